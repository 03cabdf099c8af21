/**
 * The console's index.html as the admin app serves it: the built page plus what only the server knows at run time,
 * as <meta> tags the console reads at start (no inline script, so the Content-Security-Policy can forbid them).
 */
export interface ConsoleSettings {
  /** DEFAULT_RPM: the limit of a key without an override, which the console shows as the effective limit. */
  defaultRpm: number;
}

export const CONSOLE_META = { defaultRpm: 'chuizi-default-rpm' } as const;

export function renderConsolePage(builtHtml: string, settings: ConsoleSettings): string {
  const tags = `<meta name="${CONSOLE_META.defaultRpm}" content="${String(settings.defaultRpm)}">`;
  const at = builtHtml.indexOf('</head>');
  if (at < 0) throw new Error('The built console page has no </head>: rebuild it with `npm run build`');
  return `${builtHtml.slice(0, at)}${tags}${builtHtml.slice(at)}`;
}

/**
 * The page may load only its own scripts and talk only to its own origin (the admin API). Styles may be inline:
 * the component library sets its theme variables in a <style> element.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * What the admin app tells the page at run time, as <meta> tags it adds when it serves index.html
 * (apps/admin/src/console/console-page.ts). Missing under a development server: then the console says "the default".
 */
export interface ConsoleSettings {
  /** DEFAULT_RPM: the limit of a key without an override; null when unknown. */
  defaultRpm: number | null;
}

export function readSettings(doc: Pick<Document, 'querySelector'> = document): ConsoleSettings {
  const content = doc.querySelector('meta[name="chuizi-default-rpm"]')?.getAttribute('content') ?? '';
  const defaultRpm = /^\d+$/.test(content) ? Number(content) : null;
  return { defaultRpm };
}

export const settings: ConsoleSettings = typeof document === 'undefined' ? { defaultRpm: null } : readSettings();

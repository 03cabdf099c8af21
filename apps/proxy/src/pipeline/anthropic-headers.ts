import { GatewayError } from '@gw/common';

export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

const VERSION = /^(\d{4})-(\d{2})-(\d{2})$/;
// Comma-separated feature names such as "prompt-caching-2024-07-31, token-counting-2024-11-01".
const BETA = /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\s*,\s*[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
const MAX_BETA_LENGTH = 1_024;
/** What a request without either header sends upstream (shared: nobody writes to it). */
const DEFAULT_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'anthropic-version': DEFAULT_ANTHROPIC_VERSION });

/** A real calendar date, so that the provider sees only a version it could have published. */
function isVersion(value: string): boolean {
  const match = VERSION.exec(value);
  if (!match) return false;
  const [, year, month, day] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

/**
 * The Anthropic protocol headers the provider must see (spec/proxy.md): `anthropic-version` (2023-06-01 when the
 * client sends none) and `anthropic-beta`. Checked before any money moves, so that a value the provider would refuse,
 * or that could not even be written into an upstream request, is a 400 and never an upstream call.
 */
export function anthropicForwardHeaders(version: unknown, beta: unknown): Readonly<Record<string, string>> {
  if (version !== undefined && (typeof version !== 'string' || !isVersion(version))) {
    throw GatewayError.invalidRequest('anthropic-version: expected a version date such as 2023-06-01');
  }
  if (beta === undefined) return version === undefined ? DEFAULT_HEADERS : { 'anthropic-version': version };
  if (typeof beta !== 'string' || beta.length > MAX_BETA_LENGTH || !BETA.test(beta)) {
    throw GatewayError.invalidRequest('anthropic-beta: expected a comma-separated list of beta feature names');
  }
  return { 'anthropic-version': (version as string | undefined) ?? DEFAULT_ANTHROPIC_VERSION, 'anthropic-beta': beta };
}

import { isIP } from 'node:net';
import { isPublicAddress } from './ip-range';

const MAX_URL_LENGTH = 2_048;

/**
 * Why a URL cannot be a webhook, or null when it can: http or https, no credentials in it (they would be shown to
 * staff and logged; the signature authenticates the sender), no fragment, and, unless private addresses are allowed,
 * no loopback, private or other non-public IP address and no localhost name. Names are resolved when the webhook is
 * called, and every address they resolve to is checked then (see the worker's webhook sender).
 */
export function webhookUrlProblem(text: string, allowPrivate: boolean): string | null {
  if (text.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not hold credentials (the signature authenticates the gateway)';
  if (url.hash || text.includes('#')) return 'must not have a fragment';
  if (allowPrivate) return null;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host) !== 0 ? !isPublicAddress(host) : isLocalName(host)) {
    return 'must not point at a loopback or private address (ALERT_WEBHOOK_ALLOW_PRIVATE is not set)';
  }
  return null;
}

function isLocalName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

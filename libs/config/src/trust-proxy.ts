import { isIP } from 'node:net';
import { ValidateBy, ValidationOptions } from 'class-validator';

/**
 * Which peers may tell the proxy the client's address through X-Forwarded-For (Fastify's `trustProxy`):
 * false (nobody, the default), true (anyone: only behind a proxy that overwrites the header), a number of proxy hops,
 * or a list of proxy addresses / CIDR ranges.
 */
export type TrustProxy = boolean | number | string[];

const MAX_HOPS = 32;

function isAddressOrRange(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

/** TRUST_PROXY's text -> Fastify's `trustProxy`; null when the text is none of the accepted forms. */
export function parseTrustProxy(text: string): TrustProxy | null {
  const value = text.trim();
  if (value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops >= 1 && hops <= MAX_HOPS ? hops : null;
  }
  const entries = value.split(',').map((entry) => entry.trim());
  return entries.length > 0 && entries.every(isAddressOrRange) ? entries : null;
}

export function IsTrustProxy(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTrustProxy',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseTrustProxy(value) !== null,
        defaultMessage: () =>
          `TRUST_PROXY must be false, true, a hop count 1-${MAX_HOPS}, or a comma-separated list of IP addresses/CIDR ranges`,
      },
    },
    options,
  );
}

import { ValidateBy, ValidationOptions } from 'class-validator';
import { formatIpRange, parseIpRange } from '@gw/common';

/** Entries one key may hold: enough for every office and egress range of a team, small enough to check in microseconds. */
export const MAX_IP_ALLOWLIST = 100;

/** The first problem of an allow-list ("'10.0.0.1/8' has host bits set: ..."), or null when every entry parses. */
export function ipAllowlistProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return 'must be an array of IPv4/IPv6 addresses and CIDR ranges';
  for (const entry of value) {
    if (typeof entry !== 'string') return 'each entry must be a string';
    const parsed = parseIpRange(entry);
    if (!parsed.ok) return parsed.problem;
  }
  return null;
}

/** The entries in canonical form ("2001:DB8::/32" -> "2001:db8::/32"), each once, in the order given. */
export function canonicalIpAllowlist(entries: string[]): string[] {
  const canonical = entries.map((entry) => {
    const parsed = parseIpRange(entry);
    if (!parsed.ok) throw new RangeError(parsed.problem);
    return formatIpRange(parsed.range);
  });
  return [...new Set(canonical)];
}

/** IPv4/IPv6 addresses and CIDR ranges; the 400 names the first bad entry and why. */
export function IsIpAllowlist(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIpAllowlist',
      validator: {
        validate: (value: unknown) => ipAllowlistProblem(value) === null,
        defaultMessage: (args) => ipAllowlistProblem(args?.value) ?? 'must be a list of IP addresses and CIDR ranges',
      },
    },
    options,
  );
}

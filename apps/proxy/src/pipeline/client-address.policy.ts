import { GatewayError, GatewayErrorCode } from '@gw/common';
import type { ApiKeyAuthRecord } from '@gw/db';

/** The 403 of a key used from an address outside its allow-list (spec/policy.md, "Per-key policy"). */
export const ADDRESS_NOT_ALLOWED = 'IP address not allowed for this key';

/**
 * Whether the key may be used from `address`. A key with an `ipAllowlist` may only be used from the addresses and
 * ranges on it: anywhere else, 403 `permission_error` (addressNotAllowed, answered by the admit stage). `address` is
 * the client address as the request sees it (request.ip: the TCP peer, or the one X-Forwarded-For gives when
 * TRUST_PROXY trusts the peer), IPv4-mapped IPv6 matched as the IPv4 it maps. The list was compiled once with the key
 * record (IpAllowlist, a native BlockList): no parsing here.
 */
export function addressAllowed(key: Pick<ApiKeyAuthRecord, 'allowedIps'>, address: string): boolean {
  return key.allowedIps.allows(address);
}

/** That 403, with the headers it carries (the admit stage's X-RateLimit-* of the tiers as they stand). */
export function addressNotAllowed(headers: Record<string, string> = {}): GatewayError {
  return new GatewayError(GatewayErrorCode.PERMISSION_DENIED, ADDRESS_NOT_ALLOWED, { headers });
}

import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { BoundedMemo } from '../bounded-memo';

/** An IPv4 or IPv6 network: an address with its prefix length (32 / 128 for a single address). */
export interface IpRange {
  family: 4 | 6;
  /** The network address in canonical form (IPv4 dotted decimal, IPv6 as RFC 5952 writes it). */
  network: string;
  prefix: number;
}

export type IpRangeParse = { ok: true; range: IpRange } | { ok: false; problem: string };

/**
 * Client addresses whose verdict an allow-list keeps: tens of kilobytes per key at most (only requests with the key reach
 * the check), emptied when full, so that a key used from more addresses than this only pays the check, as without it.
 */
const VERDICTS_PER_LIST = 256;
const V4_BITS = 32;
const V6_BITS = 128;
const PREFIX = /^\d{1,3}$/;
/** ::ffff:0:0/96, the IPv4-mapped IPv6 addresses: an entry there is the IPv4 range it maps. */
const V4_MAPPED_PREFIX = 0xffffn << 32n;

/**
 * Parses one allow-list entry: an address ("203.0.113.7", "2001:db8::1") or a CIDR range ("10.0.0.0/8",
 * "2001:db8::/32"). A range whose address has bits set below its prefix ("10.0.0.1/8") is refused rather than widened
 * silently: it is usually a typo for a single address or for a narrower range.
 */
export function parseIpRange(entry: string): IpRangeParse {
  const text = entry.trim();
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? null : text.slice(slash + 1);
  const family = isIPv4(addressText) ? 4 : isIPv6(addressText) && !addressText.includes('%') ? 6 : null;
  if (family === null) return { ok: false, problem: `'${clip(entry)}' is not an IPv4 or IPv6 address or CIDR range` };
  const bits = family === 4 ? V4_BITS : V6_BITS;
  if (prefixText !== null && (!PREFIX.test(prefixText) || Number(prefixText) > bits)) {
    return { ok: false, problem: `'${clip(entry)}' has an invalid prefix length (0-${bits} for IPv${family})` };
  }
  const prefix = prefixText === null ? bits : Number(prefixText);
  const value = family === 4 ? v4ToBigInt(addressText) : v6ToBigInt(addressText);
  const hostBits = BigInt(bits - prefix);
  const network = (value >> hostBits) << hostBits;
  if (network !== value) {
    const written = formatIpRange(normalised(family, network, prefix));
    return { ok: false, problem: `'${clip(entry)}' has host bits set: the network is ${written}` };
  }
  return { ok: true, range: normalised(family, network, prefix) };
}

/** "10.0.0.0/8", or the bare address for a single one ("203.0.113.7", "2001:db8::1"). */
export function formatIpRange(range: IpRange): string {
  return range.prefix === (range.family === 4 ? V4_BITS : V6_BITS) ? range.network : `${range.network}/${range.prefix}`;
}

/**
 * A key's compiled allow-list: built once per key record, then a native lookup per request. An empty list allows any
 * address. An entry that does not parse (a row written past the admin API) matches nothing, so the list still
 * restricts: it fails closed.
 */
export class IpAllowlist {
  static readonly ANY = new IpAllowlist([]);
  private readonly blocks = new BlockList();
  /**
   * The verdict per client address: BlockList.check builds a SocketAddress (a native object) on every call, ~9 µs of
   * the request path (bench:profile with every policy on), and a key's requests come from a few addresses.
   */
  private readonly verdicts = new BoundedMemo(VERDICTS_PER_LIST, (address) => this.check(address));
  readonly restricted: boolean;

  private constructor(entries: readonly string[]) {
    this.restricted = entries.length > 0;
    for (const entry of entries) {
      const parsed = parseIpRange(entry);
      if (parsed.ok) addRange(this.blocks, parsed.range);
    }
  }

  static compile(entries: readonly string[]): IpAllowlist {
    return entries.length === 0 ? IpAllowlist.ANY : new IpAllowlist(entries);
  }

  /** Whether a client address (IPv4, IPv6 or IPv4-mapped IPv6, as Node reports it) may use the key. */
  allows(address: string): boolean {
    return !this.restricted || this.verdicts.get(address);
  }

  private check(address: string): boolean {
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
    return family !== null && this.blocks.check(address, family);
  }
}

/**
 * Special-use ranges (RFC 6890 and successors): loopback, private, link-local, carrier-grade NAT, unique local,
 * multicast, documentation, benchmarking, reserved, NAT64 (which can reach private IPv4). A webhook may point at
 * one of them only when the operator allows private addresses.
 */
const NON_PUBLIC = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/127',
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/23',
  '2001:db8::/32',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
];
const nonPublic = new BlockList();
for (const entry of NON_PUBLIC) {
  const parsed = parseIpRange(entry);
  if (!parsed.ok) throw new Error(`bad special-use range ${entry}: ${parsed.problem}`);
  addRange(nonPublic, parsed.range);
}

/** Whether an address is a public unicast one (IPv4-mapped IPv6 addresses are judged by the IPv4 they map). */
export function isPublicAddress(address: string): boolean {
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
  return family !== null && !address.includes('%') && !nonPublic.check(address, family);
}

function addRange(blocks: BlockList, range: IpRange): void {
  blocks.addSubnet(range.network, range.prefix, range.family === 4 ? 'ipv4' : 'ipv6');
}

function normalised(family: 4 | 6, network: bigint, prefix: number): IpRange {
  if (family === 6 && prefix >= 96 && network >> 32n === V4_MAPPED_PREFIX >> 32n) {
    return { family: 4, network: v4FromBigInt(network & 0xffffffffn), prefix: prefix - 96 };
  }
  return { family, network: family === 4 ? v4FromBigInt(network) : v6FromBigInt(network), prefix };
}

function v4ToBigInt(text: string): bigint {
  return text.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function v4FromBigInt(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join('.');
}

/** Eight 16-bit groups from any valid IPv6 text ("::", "2001:db8::1", "::ffff:192.0.2.1"). */
function v6ToBigInt(text: string): bigint {
  const groupsOf = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (group.includes('.')) {
        const v4 = Number(v4ToBigInt(group));
        return [v4 >>> 16, v4 & 0xffff];
      }
      return [parseInt(group, 16)];
    });
  };
  const [head, tail] = text.split('::');
  const left = groupsOf(head);
  const right = tail === undefined ? [] : groupsOf(tail);
  const groups = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups (the first of equals) as "::". */
function v6FromBigInt(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, index) => Number((value >> BigInt((7 - index) * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) [bestStart, bestLength] = [start, end - start];
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

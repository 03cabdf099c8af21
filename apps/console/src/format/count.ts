import type { TokenCount } from '../api/types';

/** Token counts are JSON integers, or decimal strings past 2^53 - 1: summed as bigint so that none is rounded. */
export function toBigInt(count: TokenCount): bigint {
  return BigInt(typeof count === 'number' ? Math.trunc(count) : count);
}

export function formatCount(count: bigint | number): string {
  return count.toLocaleString('en-US');
}

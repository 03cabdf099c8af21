/** Orders two stream entry ids (`<ms>-<seq>`) numerically. */
export function compareEntryIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}

/**
 * The XTRIM MINID point of a stream (entries below it are removed): the retention cutoff, but never past an entry a
 * writer still needs: the oldest pending one, or the first not yet delivered (after `lastDelivered`).
 */
export function trimPoint(cutoff: string, lastDelivered: string, oldestPending: string | null): string {
  let point = cutoff;
  if (compareEntryIds(lastDelivered, point) < 0) point = lastDelivered;
  if (oldestPending !== null && compareEntryIds(oldestPending, point) < 0) point = oldestPending;
  return point;
}

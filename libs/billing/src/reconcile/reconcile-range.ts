import { createHash } from 'node:crypto';
import type { CheckRange, ReconciliationRunRecord } from '@gw/db';

const HOUR_MS = 3_600_000;

/** The scheduled run also looks this far before the hour it covers: entries written around the hour's start. */
export const SCHEDULED_MARGIN_MS = 5 * 60_000;

/** A run that cannot be carried out, however often it is retried. */
export class PermanentReconciliationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentReconciliationError';
  }
}

/**
 * The range a run checks: the one staff asked for; without an end, up to the moment they asked (so that a retried run
 * checks the same records).
 */
export function runRange(run: Pick<ReconciliationRunRecord, 'rangeFrom' | 'rangeTo' | 'createdAt'>): CheckRange {
  const range = { from: run.rangeFrom, to: run.rangeTo ?? run.createdAt };
  if (range.from && range.from.getTime() >= range.to.getTime()) {
    throw new PermanentReconciliationError(
      `the range is empty: from ${range.from.toISOString()} is not before to ${range.to.toISOString()}`,
    );
  }
  return range;
}

/** The hourly run fired at `firedAt`: the previous full UTC hour, plus a margin before it. */
export function scheduledRange(firedAt: Date): { from: Date; to: Date } {
  const hourStart = Math.floor(firedAt.getTime() / HOUR_MS) * HOUR_MS;
  return { from: new Date(hourStart - HOUR_MS - SCHEDULED_MARGIN_MS), to: new Date(hourStart) };
}

/**
 * The id of the scheduled run of a range, derived from the range (a name-based UUID, RFC 9562 version 8 layout), so
 * that every firing and retry for one hour finds one run row.
 */
export function scheduledRunId(range: { from: Date; to: Date }): string {
  const name = `scheduled-reconciliation:${range.from.toISOString()}/${range.to.toISOString()}`;
  const bytes = createHash('sha256').update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

import type { WriterPass } from './ledger-writer';

export interface PassPacing {
  /** Events read per pass at most (WALLET_WRITER_BATCH): a pass that read that many leaves a backlog behind it. */
  batchSize: number;
  /** Wait after a pass that found nothing to write (WALLET_WRITER_POLL_MS). */
  pollMs: number;
  /** Least time from the start of one pass to the start of the next while events trickle in (WALLET_WRITER_GATHER_MS). */
  gatherMs: number;
}

/**
 * How long the writer waits before its next pass. A transaction costs PostgreSQL about a millisecond of CPU whatever
 * its size, then tens of µs per event: a writer going back to back under load writes a handful of events per
 * transaction and spends most of its PostgreSQL time on the fixed part. So a pass that wrote something but did not
 * fill a batch lets events gather until `gatherMs` after its start; a full batch (a backlog) goes on at once, and an
 * idle writer polls every `pollMs`.
 */
export function nextPassDelay(pass: Pick<WriterPass, 'read' | 'deferred'>, pacing: PassPacing, elapsedMs: number): number {
  if (pass.read === pass.deferred) return pacing.pollMs;
  if (pass.read >= pacing.batchSize) return 0;
  return Math.max(0, pacing.gatherMs - elapsedMs);
}

import type { LatencySummary } from './stats';

/** What one measured run of one scenario against one target produced. */
export interface RunResult {
  /** Wall time of the run, seconds. */
  durationS: number;
  /** Responses that were 2xx and passed verification. */
  ok: number;
  /** ok / durationS. */
  rps: number;
  /** Latency of the verified responses, request written -> last byte read. */
  latency: LatencySummary;
  /** Streams timed to their first content chunk (streaming-fixed-rate): request written -> that chunk read. */
  firstByte?: LatencySummary;
  non2xx: number;
  /** Transport errors (connection refused/reset) and timeouts. */
  errors: number;
  /** 2xx responses whose body was not the complete answer. */
  mismatches: number;
  statusCodes: Record<string, number>;
  /** Mean response size (body bytes for the open-loop client, wire bytes for autocannon). */
  bytesPerResponse: number;
  /** Fixed-rate runs: the rate asked for and the rate at which requests actually left. */
  offeredRate?: number;
  sentRate?: number;
}

export function failures(result: RunResult): number {
  return result.non2xx + result.errors + result.mismatches;
}

import type { AbandonResult, HoldBeat, StaleHolds } from '@gw/db';

/**
 * Where holds prove they are alive, and where the stale sweep finds and closes the ones that stopped: PostgreSQL
 * today (HoldLivenessRepository), Redis once holds move there (issue "Wallet"). The rest of billing (heartbeat,
 * sweeper) talks to this interface only.
 */
export interface HoldLiveness {
  /** Marks the holds alive and records what each request has delivered (null: unchanged), in one round trip. */
  beat(beats: HoldBeat[]): Promise<number>;
  /** Open holds whose heartbeat is older than `staleAfterS` at `asOf` (null: the store's clock). */
  findStale(staleAfterS: number, limit: number, asOf: Date | null): Promise<StaleHolds>;
  /**
   * Closes the account's holds that are still stale against `staleBefore`: releases each, charges what its last beat
   * said it delivered, records it as abandoned. Exactly once, whatever else closes the same holds meanwhile.
   */
  abandon(accountId: string, generationIds: string[], staleBefore: Date): Promise<AbandonResult[]>;
}

export const HOLD_LIVENESS = Symbol('HOLD_LIVENESS');

import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import type { StaleHold } from '@gw/db';
import { HOLD_LIVENESS, HoldLiveness } from './holds/hold-liveness';

const SWEEP_BATCH = 500;

export interface SweepReport {
  /** Holds this sweep closed (their proxy stopped beating): released, and charged what they had delivered. */
  released: number;
  /** Stale candidates closed by someone else in the meantime (their request, another sweeper). */
  alreadyClosed: number;
  /** Candidates that beat again after they were found: alive after all, left alone. */
  stillAlive: number;
  /** Micro-dollars the closed holds had reserved. */
  releasedMicros: bigint;
  /** Micro-dollars charged for what the abandoned requests had delivered (part of releasedMicros' holds). */
  chargedMicros: bigint;
}

/**
 * Closes holds whose proxy stopped beating (crashed, killed, cut off from the database) for longer than
 * RESERVATION_STALE_AFTER_S, through HoldLiveness.abandon: each is released, charged what its request had delivered
 * as of its last heartbeat, and recorded as abandoned, exactly once however many sweepers race and whatever
 * settlement arrives concurrently; a request that does finish later is charged the rest of its cost, once.
 *
 * Candidates are read without locks on purpose (locking reservations first and accounts second would take the locks
 * in the opposite order to every settlement, which can deadlock); abandon() re-checks each heartbeat under the locks,
 * so a hold that beat in between is left alone.
 */
@Injectable()
export class StaleReservationSweeper {
  private readonly logger = new Logger(StaleReservationSweeper.name);
  private readonly staleAfterS: number;

  constructor(
    @Inject(HOLD_LIVENESS) private readonly liveness: HoldLiveness,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.staleAfterS = config.billing.reservationStaleAfterS;
  }

  /** Sweeps holds not beaten since `now` minus the stale limit (`now` defaults to the store's clock). */
  async sweep(now?: Date): Promise<SweepReport> {
    const report: SweepReport = { released: 0, alreadyClosed: 0, stillAlive: 0, releasedMicros: 0n, chargedMicros: 0n };
    // Holds found alive stay open and stale-looking to the next page's query only if they did not beat; stop once a
    // page brings nothing new.
    const seen = new Set<string>();
    for (;;) {
      const { staleBefore, holds } = await this.liveness.findStale(this.staleAfterS, SWEEP_BATCH, now ?? null);
      const fresh = holds.filter((hold) => !seen.has(hold.generationId));
      for (const hold of fresh) seen.add(hold.generationId);
      for (const [accountId, group] of byAccount(fresh)) {
        const results = await this.liveness.abandon(accountId, group.map((hold) => hold.generationId), staleBefore);
        results.forEach((result, i) => this.count(report, group[i], result.outcome, accountId));
      }
      if (holds.length < SWEEP_BATCH || fresh.length === 0) return report;
    }
  }

  private count(report: SweepReport, hold: StaleHold, outcome: string, accountId: string): void {
    if (outcome === 'alive') {
      report.stillAlive++;
      return;
    }
    if (outcome !== 'abandoned') {
      report.alreadyClosed++;
      return;
    }
    report.released++;
    report.releasedMicros += hold.amountMicros;
    report.chargedMicros += hold.deliveredCostMicros;
    this.logger.warn(
      `closed stale reservation ${hold.generationId} of ${hold.amountMicros} micro-USD, charged ` +
        `${hold.deliveredCostMicros} for what it had delivered (account ${accountId}, proxy ${hold.instanceId}, ` +
        `last heartbeat ${hold.heartbeatAt.toISOString()})`,
    );
  }
}

function byAccount(holds: StaleHold[]): Map<string, StaleHold[]> {
  const groups = new Map<string, StaleHold[]>();
  for (const hold of holds) {
    const group = groups.get(hold.accountId);
    if (group) group.push(hold);
    else groups.set(hold.accountId, [hold]);
  }
  return groups;
}

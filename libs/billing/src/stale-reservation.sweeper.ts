import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { BillingLedgerRepository, OpenReservation } from '@gw/db';

const SWEEP_BATCH = 500;

export interface SweepReport {
  /** Reservations this sweep released. */
  released: number;
  /** Stale candidates that were closed by someone else in the meantime (a settlement, another sweeper). */
  alreadyClosed: number;
  /** Micro-dollars returned to spendable balances. */
  releasedMicros: bigint;
}

/**
 * Releases reservations whose request is presumed dead (its proxy crashed or lost the database): open for longer
 * than RESERVATION_STALE_AFTER_S. Each release goes through gw_settle with closed_by 'sweep' and cost 0, under the
 * account row lock, so it is exactly-once however many sweepers race and whatever settlement arrives concurrently;
 * a request that does finish later is still charged once ('late_settled').
 *
 * Candidates are read without row locks on purpose: locking reservations first and the account second (inside
 * gw_settle) would take the locks in the opposite order to every settlement, which can deadlock.
 */
@Injectable()
export class StaleReservationSweeper {
  private readonly logger = new Logger(StaleReservationSweeper.name);
  private readonly staleAfterS: number;

  constructor(
    private readonly ledger: BillingLedgerRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.staleAfterS = config.billing.reservationStaleAfterS;
  }

  /** Sweeps reservations opened before `now` minus the stale limit (`now` defaults to the database's clock). */
  async sweep(now?: Date): Promise<SweepReport> {
    const report: SweepReport = { released: 0, alreadyClosed: 0, releasedMicros: 0n };
    for (;;) {
      const candidates = await this.ledger.findStaleReservations(this.staleAfterS, SWEEP_BATCH, now ?? null);
      for (const [accountId, reservations] of byAccount(candidates)) {
        const results = await this.ledger.close(
          accountId,
          reservations.map((r) => ({ generationId: r.generationId, costMicros: 0n, closedBy: 'sweep', usage: null })),
        );
        results.forEach((result, i) => {
          const reservation = reservations[i];
          if (result.outcome !== 'released') {
            report.alreadyClosed++;
            return;
          }
          report.released++;
          report.releasedMicros += reservation.amountMicros;
          this.logger.warn(
            `released stale reservation ${reservation.generationId} of ${reservation.amountMicros} micro-USD ` +
              `(account ${accountId}, proxy ${reservation.instanceId}, opened ${reservation.createdAt.toISOString()})`,
          );
        });
      }
      // Every candidate is closed now (by us or by someone else), so the next page holds only newer ones.
      if (candidates.length < SWEEP_BATCH) return report;
    }
  }
}

function byAccount(reservations: OpenReservation[]): Map<string, OpenReservation[]> {
  const groups = new Map<string, OpenReservation[]>();
  for (const reservation of reservations) {
    const group = groups.get(reservation.accountId);
    if (group) group.push(reservation);
    else groups.set(reservation.accountId, [reservation]);
  }
  return groups;
}

import { Injectable, Logger } from '@nestjs/common';
import { WalletRepository } from '@gw/db';
import { walletMetrics } from '@gw/observability';
import { assertMicros, MAX_WALLET_MICROS } from './micros';
import { WalletProtocolError } from './wallet.errors';
import { accountId, AccountId } from './wallet-ids';
import { WalletStore } from './wallet-store';

/** Credits the wallet was told about and what it made of them. */
export type CreditOutcome =
  /** Added to the loaded account's balance now. */
  | 'applied'
  /** The wallet had it already (an earlier call, the relay, or a load that read it from PostgreSQL). */
  | 'duplicate'
  /** The account is not loaded: nothing to do, its next load reads the balance (credit included) from PostgreSQL. */
  | 'not_loaded';

export interface RelayReport {
  credits: number;
  applied: number;
  alreadyThere: number;
}

/** Credits still unconfirmed this long after their commit are the relay's: the admin API normally confirms at once. */
export const RELAY_GRACE_MS = 5_000;
const RELAY_BATCH = 1_000;

/**
 * Money into the wallet, exactly once: top-ups and adjustments commit in PostgreSQL first, with an outbox row
 * (wallet_credits) numbered per account by gw_post; then the wallet applies credit n only after n - 1, so a credit
 * applied twice (an admin retry racing the relay) moves nothing the second time. The outbox row is marked applied
 * once the wallet confirmed it; the worker's relay applies whatever stayed unconfirmed (a crash between the commit
 * and the wallet call).
 */
@Injectable()
export class WalletCredits {
  private readonly logger = new Logger(WalletCredits.name);

  constructor(
    private readonly store: WalletStore,
    private readonly credits: WalletRepository,
  ) {}

  /** Applies credit `seq` of the account (committed), filling any gap before it from the outbox first. */
  async apply(account: AccountId, seq: bigint, amountMicros: bigint): Promise<CreditOutcome> {
    assertMicros(amountMicros, 'credit', -MAX_WALLET_MICROS);
    for (let gaps = 0; gaps < 3; gaps++) {
      const reply = await this.store.credit(account, seq, amountMicros);
      switch (reply.kind) {
        case 'APPLIED':
        case 'DUPLICATE':
        case 'NOT_LOADED':
          await this.credits.markCreditsApplied(account, seq);
          return reply.kind === 'APPLIED' ? 'applied' : reply.kind === 'DUPLICATE' ? 'duplicate' : 'not_loaded';
        case 'GAP':
          await this.fillGap(account, reply.creditSeq, seq);
      }
    }
    throw new WalletProtocolError(`credit ${seq} of ${account}: the wallet keeps reporting a gap`);
  }

  /** The worker's relay: every credit the wallet has not confirmed, RELAY_GRACE_MS after its commit. */
  async relay(graceMs = RELAY_GRACE_MS): Promise<RelayReport> {
    const report: RelayReport = { credits: 0, applied: 0, alreadyThere: 0 };
    for (;;) {
      const rows = await this.credits.unappliedCredits(graceMs, RELAY_BATCH);
      for (const row of rows) {
        const outcome = await this.apply(accountId(row.accountId), row.seq, row.amountMicros);
        report.credits++;
        if (outcome === 'applied') {
          report.applied++;
          walletMetrics().creditsRelayed.inc();
          this.logger.warn(`relayed credit ${row.seq} of account ${row.accountId} to the wallet`);
        } else {
          report.alreadyThere++;
        }
      }
      // Applied rows are marked, so the next page holds only newer ones.
      if (rows.length < RELAY_BATCH) return report;
    }
  }

  private async fillGap(account: AccountId, walletSeq: bigint, seq: bigint): Promise<void> {
    for (const missing of await this.credits.creditsBetween(account, walletSeq, seq - 1n)) {
      const reply = await this.store.credit(account, missing.seq, missing.amountMicros);
      if (reply.kind === 'GAP') throw new WalletProtocolError(`credit ${missing.seq} of ${account}: gap again`);
      await this.credits.markCreditsApplied(account, missing.seq);
    }
  }
}

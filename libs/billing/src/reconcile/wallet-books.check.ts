import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { WalletBooksRow, WalletRepository } from '@gw/db';
import { accountId, AccountId, InspectedAccount, WalletInspector } from '@gw/wallet';
import type { WalletComparison } from './reconciliation-findings';
import type { ReportBuilder } from './reconciliation-report';

/** Reads of an account whose wallet keeps moving past PostgreSQL's read before it is left for the next run. */
const ATTEMPTS = 3;

/**
 * Reconciliation of the Redis wallet: each loaded account's balance against PostgreSQL's stored balance minus the
 * settlement events not written there yet and plus the credits not applied yet, and its `held` against its hold
 * records. The wallet is read first (one atomic read per shard), PostgreSQL second, so that PostgreSQL can only be
 * ahead: an account for which PostgreSQL already has events the wallet had not emitted when it was read is read
 * again, and reported as behind the ledger if that persists (the wallet lost data).
 */
@Injectable()
export class WalletBooksCheck {
  private readonly expiredGraceMs: number;

  constructor(
    private readonly inspector: WalletInspector,
    private readonly books: WalletRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.expiredGraceMs = 3 * config.wallet.sweepEverySeconds * 1000;
  }

  /** Compares a page of accounts (the loaded ones) and adds what it finds to the report. */
  async checkPage(accountIds: string[], report: ReportBuilder): Promise<void> {
    report.checkWallet();
    let pending: AccountId[] = accountIds.map(accountId);
    const lastSeen = new Map<AccountId, bigint>();
    for (let attempt = 1; pending.length > 0; attempt++) {
      const wallet = await this.inspector.inspect(pending);
      const loaded = [...wallet.values()].filter((state) => state.loaded);
      const rows = await this.books.books(
        loaded.map((state) => state.accountId),
        loaded.map((state) => state.creditSeq),
      );
      const retry: AccountId[] = [];
      for (const row of rows) {
        const state = wallet.get(row.accountId as AccountId)!;
        const behind = row.walletSeq > state.eventSeq;
        // PostgreSQL wrote events emitted after the wallet was read: read both again, unless the wallet is stuck there.
        const stuck = lastSeen.get(state.accountId) === state.eventSeq;
        if (behind && attempt < ATTEMPTS && !stuck) {
          lastSeen.set(state.accountId, state.eventSeq);
          retry.push(state.accountId);
          continue;
        }
        if (behind && !stuck) {
          report.walletSkipped(1);
          continue;
        }
        report.addWalletAccount(comparison(state, row, behind), {
          holds: state.holds,
          unflushed: [...state.unflushed.keys()].filter((seq) => seq > row.walletSeq).length,
          pendingCredits: row.pendingCredits,
        });
      }
      pending = retry;
    }
  }

  /** Holds the sweep should have closed by now, over every shard. */
  async checkExpiredHolds(report: ReportBuilder): Promise<void> {
    const expired = await this.inspector.expiredHolds(this.expiredGraceMs);
    report.setWalletExpiredHolds(expired.count, expired.heldMicros);
  }
}

function comparison(state: InspectedAccount, row: WalletBooksRow, behind: boolean): WalletComparison {
  let unflushed = 0n;
  for (const [seq, charge] of state.unflushed) if (seq > row.walletSeq) unflushed += charge;
  return {
    accountId: row.accountId,
    walletBalanceMicros: state.balanceMicros,
    walletHeldMicros: state.heldMicros,
    holdsMicros: state.holdsMicros,
    storedBalanceMicros: row.balanceMicros,
    unflushedMicros: unflushed,
    pendingCreditMicros: row.pendingCreditMicros,
    behindLedger: behind,
  };
}

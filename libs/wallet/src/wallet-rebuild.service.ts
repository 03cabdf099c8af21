import { Injectable } from '@nestjs/common';
import { WalletRepository } from '@gw/db';
import { accountId, AccountId } from './wallet-ids';
import { WalletLoader } from './wallet-loader';
import { WalletStore } from './wallet-store';

const PAGE = 500;

export interface RebuiltAccount {
  accountId: AccountId;
  /** Balance and held before (null: the account was not loaded). */
  before: { balanceMicros: bigint; heldMicros: bigint } | null;
  spendableMicros: bigint;
  heldMicros: bigint;
  /** Charges of settlement events not yet written to PostgreSQL, taken off its balance. */
  unflushedMicros: bigint;
}

/**
 * Rebuilds the wallet from PostgreSQL by hand (`npm run wallet:rebuild`): the same computation as the automatic load
 * (PostgreSQL's balance minus the settlement events the wallet holds that PostgreSQL does not have yet), applied to
 * loaded accounts too, their open holds summed again from the hold records. Safe while traffic flows: each account is
 * one atomic script, refused and retried if the writer or a credit moved past the snapshot.
 */
@Injectable()
export class WalletRebuild {
  constructor(
    private readonly loader: WalletLoader,
    private readonly store: WalletStore,
    private readonly accounts: WalletRepository,
  ) {}

  async account(id: AccountId): Promise<RebuiltAccount> {
    const reply = await this.loader.rebuild(id);
    return {
      accountId: id,
      before: reply.before ? { balanceMicros: reply.before.balance, heldMicros: reply.before.held } : null,
      spendableMicros: reply.spendable,
      heldMicros: reply.held,
      unflushedMicros: reply.unflushed,
    };
  }

  /**
   * Every loaded account, page by page (accounts not loaded are left alone: they load from PostgreSQL on first use).
   * Calls `each` with every account rebuilt; returns how many accounts were looked at.
   */
  async allLoaded(each: (account: RebuiltAccount) => void): Promise<number> {
    let seen = 0;
    for (let after: string | null = null; ; ) {
      const page: AccountId[] = (await this.accounts.accountIdsPage(after, PAGE)).map(accountId);
      seen += page.length;
      const balances = await this.store.balances(page);
      for (let i = 0; i < page.length; i++) if (balances[i]) each(await this.account(page[i]));
      if (page.length < PAGE) return seen;
      after = page[page.length - 1];
    }
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { AccountsRepository } from '@gw/db';
import { accountId, WalletInspector } from '@gw/wallet';

/**
 * Where balance alerts read the spendable balance (balance minus open holds) of accounts, in one call per batch, from
 * the store that holds the money (BILLING_STORE, bound in BalanceAlertsModule): PostgreSQL, or the Redis wallet.
 */
export abstract class SpendableBalanceReader {
  /** Accounts it does not know are left out of the map. */
  abstract read(accountIds: readonly string[]): Promise<Map<string, bigint>>;
}

/** PostgreSQL holds the money: accounts.balance_micros is already net of its reservations. */
@Injectable()
export class PostgresSpendableBalanceReader extends SpendableBalanceReader {
  constructor(private readonly accounts: AccountsRepository) {
    super();
  }

  read(accountIds: readonly string[]): Promise<Map<string, bigint>> {
    return this.accounts.findSpendableBalances(accountIds);
  }
}

/**
 * The Redis wallet holds the money: a loaded account's spendable balance is the wallet's (bal - held), open holds and
 * settlements not yet written to PostgreSQL included, so that a hold crosses a threshold when it is placed and a
 * charge when it is settled, not when the ledger writer flushes it. An account the wallet has not loaded has no holds
 * and nothing unwritten there: PostgreSQL's balance is its balance (as the admin API shows it).
 */
@Injectable()
export class WalletSpendableBalanceReader extends SpendableBalanceReader {
  private readonly logger = new Logger(WalletSpendableBalanceReader.name);

  constructor(
    private readonly wallet: WalletInspector,
    private readonly accounts: AccountsRepository,
  ) {
    super();
  }

  async read(accountIds: readonly string[]): Promise<Map<string, bigint>> {
    const balances = await this.wallet.balances(accountIds.map(accountId)).catch((error: Error) => {
      // PostgreSQL's figure misses the holds and unwritten charges of loaded accounts: a check on it could re-arm a
      // threshold the spendable balance is still below. These accounts wait for the next check (nothing spends from a
      // wallet that does not answer meanwhile).
      this.logger.warn(`balance alerts not checked this run: the wallet did not answer (${error.message})`);
      return null;
    });
    if (!balances) return new Map();
    const spendable = new Map<string, bigint>();
    const unloaded: string[] = [];
    accountIds.forEach((id, i) => {
      const balance = balances[i];
      if (balance) spendable.set(id, balance.spendableMicros);
      else unloaded.push(id);
    });
    if (unloaded.length > 0) {
      for (const [id, balanceMicros] of await this.accounts.findSpendableBalances(unloaded)) spendable.set(id, balanceMicros);
    }
    return spendable;
  }
}

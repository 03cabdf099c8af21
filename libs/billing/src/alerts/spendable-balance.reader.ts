import { Injectable, Logger } from '@nestjs/common';
import { AccountsRepository } from '@gw/db';
import { accountId, WalletInspector } from '@gw/wallet';

/** An account's spendable balance as one store saw it, and which credits that figure includes. */
export interface SpendableBalance {
  spendableMicros: bigint;
  /**
   * Read from the Redis wallet: the last credit (wallet_credits.seq) in it; one committed after it (a top-up on its
   * way from PostgreSQL to the wallet) is not in the figure. Null when read from PostgreSQL, whose figure includes
   * every credit committed before the read.
   */
  creditSeq: bigint | null;
}

/**
 * Where balance alerts read the spendable balance (balance minus open holds) of accounts, in one call per batch, from
 * the store that holds the money (BILLING_STORE, bound in BalanceAlertsModule): PostgreSQL, or the Redis wallet.
 */
export abstract class SpendableBalanceReader {
  /** Accounts it does not know are left out of the map. */
  abstract read(accountIds: readonly string[]): Promise<Map<string, SpendableBalance>>;
}

function fromPostgres(balances: Map<string, bigint>, into = new Map<string, SpendableBalance>()): Map<string, SpendableBalance> {
  for (const [id, spendableMicros] of balances) into.set(id, { spendableMicros, creditSeq: null });
  return into;
}

/** PostgreSQL holds the money: accounts.balance_micros is already net of its reservations. */
@Injectable()
export class PostgresSpendableBalanceReader extends SpendableBalanceReader {
  constructor(private readonly accounts: AccountsRepository) {
    super();
  }

  async read(accountIds: readonly string[]): Promise<Map<string, SpendableBalance>> {
    return fromPostgres(await this.accounts.findSpendableBalances(accountIds));
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

  async read(accountIds: readonly string[]): Promise<Map<string, SpendableBalance>> {
    const balances = await this.wallet.balances(accountIds.map(accountId)).catch((error: Error) => {
      // PostgreSQL's figure misses the holds and unwritten charges of loaded accounts: a check on it could re-arm a
      // threshold the spendable balance is still below. These accounts wait for the next check (nothing spends from a
      // wallet that does not answer meanwhile).
      this.logger.warn(`balance alerts not checked this run: the wallet did not answer (${error.message})`);
      return null;
    });
    if (!balances) return new Map();
    const spendable = new Map<string, SpendableBalance>();
    const unloaded: string[] = [];
    accountIds.forEach((id, i) => {
      const balance = balances[i];
      if (balance) spendable.set(id, { spendableMicros: balance.spendableMicros, creditSeq: balance.creditSeq });
      else unloaded.push(id);
    });
    return unloaded.length > 0 ? fromPostgres(await this.accounts.findSpendableBalances(unloaded), spendable) : spendable;
  }
}

import { Injectable } from '@nestjs/common';
import { AccountsRepository } from '@gw/db';

/**
 * Where balance alerts read the spendable balance (balance minus open holds) of accounts, in one call per batch. The
 * one implementation today reads PostgreSQL's accounts.balance_micros, which is already net of holds; a wallet that
 * keeps balances elsewhere (Redis: bal - held) provides its own and is bound in its place (BalanceAlertsModule).
 */
export abstract class SpendableBalanceReader {
  /** Accounts it does not know are left out of the map. */
  abstract read(accountIds: readonly string[]): Promise<Map<string, bigint>>;
}

@Injectable()
export class PostgresSpendableBalanceReader extends SpendableBalanceReader {
  constructor(private readonly accounts: AccountsRepository) {
    super();
  }

  read(accountIds: readonly string[]): Promise<Map<string, bigint>> {
    return this.accounts.findSpendableBalances(accountIds);
  }
}

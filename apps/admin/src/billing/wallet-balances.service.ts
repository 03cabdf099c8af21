import { Injectable, Logger } from '@nestjs/common';
import { accountId, WalletBalance, WalletCredits, WalletInspector } from '@gw/wallet';

/**
 * The admin API's side of the Redis wallet. Balances: an account loaded into the wallet spends from it (balance - open
 * holds), so that is what staff see; an account that is not loaded has its balance in PostgreSQL only. Credits: a
 * top-up or adjustment, once committed, is applied to the wallet at once; if that fails (Redis down, or this process
 * dies first), the worker's relay applies it from the outbox: the answer to staff never waits on it.
 */
@Injectable()
export class WalletBalances {
  private readonly logger = new Logger(WalletBalances.name);

  constructor(
    private readonly inspector: WalletInspector,
    private readonly credits: WalletCredits,
  ) {}

  /** The wallet balances of these accounts (null: not loaded, or the wallet unreadable: PostgreSQL's stands). */
  async of(ids: string[]): Promise<(WalletBalance | null)[]> {
    try {
      return await this.inspector.balances(ids.map(accountId));
    } catch (error) {
      this.logger.warn(`account balances from PostgreSQL only: the wallet did not answer (${(error as Error).message})`);
      return ids.map(() => null);
    }
  }

  async one(id: string): Promise<WalletBalance | null> {
    return (await this.of([id]))[0];
  }

  /** Applies a committed credit to the wallet; never throws (the relay applies what this could not). */
  async applyCommitted(id: string, seq: bigint, amountMicros: bigint): Promise<void> {
    try {
      await this.credits.apply(accountId(id), seq, amountMicros);
    } catch (error) {
      this.logger.warn(`credit ${seq} of account ${id} left to the relay: ${(error as Error).message}`);
    }
  }
}

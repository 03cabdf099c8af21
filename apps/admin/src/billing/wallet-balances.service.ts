import { Injectable, Logger } from '@nestjs/common';
import { GatewayError } from '@gw/common';
import { WalletRepository } from '@gw/db';
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
    private readonly books: WalletRepository,
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

  /**
   * The account's wallet balance counting every credit PostgreSQL has committed, applied to the wallet yet or not (an
   * admin API that died between its commit and the wallet, or another one's credit still on its way): the balance the
   * wallet has once the relay or that API applies them. Read it under the account's row lock, so that no credit
   * commits meanwhile: a debit checked against the wallet alone could spend a committed debit's money a second time.
   * Null when the account is not loaded. A wallet that does not answer: null too, unless `required` (a debit checked
   * against it), then a 503: PostgreSQL's balance alone knows nothing of the holds and unwritten settlements.
   */
  async withCommittedCredits(id: string, options: { required?: boolean } = {}): Promise<WalletBalance | null> {
    let wallet: WalletBalance | null;
    try {
      [wallet] = await this.inspector.balances([accountId(id)]);
    } catch (error) {
      if (options.required) {
        throw GatewayError.unavailable(
          'The wallet is unavailable: a debit cannot be checked against the spendable balance; retry',
        );
      }
      this.logger.warn(`account balance from PostgreSQL only: the wallet did not answer (${(error as Error).message})`);
      return null;
    }
    if (!wallet) return null;
    const [books] = await this.books.books([id], [wallet.creditSeq]);
    if (!books) return wallet;
    return {
      balanceMicros: wallet.balanceMicros + books.pendingCreditMicros,
      heldMicros: wallet.heldMicros,
      spendableMicros: wallet.spendableMicros + books.pendingCreditMicros,
      creditSeq: books.creditSeq,
    };
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

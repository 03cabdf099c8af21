import { parseUsdToMicros } from '../../libs/common/src';
import { LedgerRepository } from '../../libs/db/src';
import { testDb } from '../support/test-db';

export interface AccountOptions {
  balanceUsd?: string;
  name?: string;
  /** Requests per minute of each key without a limit of its own, and of all keys together (null: the defaults). */
  rpmLimit?: number | null;
  accountRpmLimit?: number | null;
}

/** An account with `balanceUsd` credited through the ledger (a real top-up entry). */
export async function createAccount(options: AccountOptions = {}) {
  const db = await testDb();
  const account = await db.account.create({
    data: {
      name: options.name ?? `test ${Date.now()}`,
      rpmLimit: options.rpmLimit ?? null,
      accountRpmLimit: options.accountRpmLimit ?? null,
    },
  });
  const micros = parseUsdToMicros(options.balanceUsd ?? '10.00')!;
  if (micros > 0n) await new LedgerRepository(db).post(account.id, 'top_up', micros, 'test credit', null);
  return account;
}

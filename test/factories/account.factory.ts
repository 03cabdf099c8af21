import { parseUsdToMicros } from '../../libs/common/src';
import { LedgerRepository } from '../../libs/db/src';
import { testDb } from '../support/test-db';

/** An account with `balanceUsd` credited through the ledger (a real top-up entry). */
export async function createAccount(options: { balanceUsd?: string; name?: string } = {}) {
  const db = await testDb();
  const account = await db.account.create({ data: { name: options.name ?? `test ${Date.now()}` } });
  const micros = parseUsdToMicros(options.balanceUsd ?? '10.00')!;
  if (micros > 0n) await new LedgerRepository(db).post(account.id, 'top_up', micros, 'test credit', null);
  return account;
}

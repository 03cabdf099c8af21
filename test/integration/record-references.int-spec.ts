import { randomUUID } from 'node:crypto';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { closeTestDb, scratchDatabase, testDb } from '../support/test-db';

/**
 * What usage records and ledger entries refer to (migration 20261207080000_reference_checks_per_statement): checked
 * once per statement instead of by per-row foreign keys, and accounts and keys can never go away.
 */
describe('references of usage records and ledger entries', () => {
  afterAll(() => closeTestDb());

  const FOREIGN_KEY_VIOLATION = { code: '23503' };
  const RESTRICT_VIOLATION = { code: '23001' };

  async function accountWithKey() {
    const account = await createAccount({ balanceUsd: '1.00' });
    return { accountId: account.id, keyId: (await createApiKey(account.id)).id };
  }

  /** Inserts usage records (generation id, account, key) in one statement, as the ledger writer does. */
  async function insertUsage(rows: [string, string, string][], onConflict = '') {
    const db = await testDb();
    return db.pool.query(
      `INSERT INTO usage_records (generation_id, account_id, key_id, model, protocol, endpoint, status, outcome)
       SELECT g, a, k, 'openai/gpt-4.1-mini', 'openai', 'chat', 200, o
         FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[]) AS r(g, a, k, o) ${onConflict}`,
      [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r, n) => (onConflict && n === 0 ? 'completed' : 'abandoned'))],
    );
  }

  it('refuses a whole statement when one of its usage records names an account or key that does not exist', async () => {
    const { accountId, keyId } = await accountWithKey();
    const ok = `gen-ref-${randomUUID()}`;
    for (const bad of [[`gen-ref-${randomUUID()}`, accountId, randomUUID()], [`gen-ref-${randomUUID()}`, randomUUID(), keyId]] as [string, string, string][]) {
      await expect(insertUsage([[ok, accountId, keyId], bad])).rejects.toMatchObject(FOREIGN_KEY_VIOLATION);
    }
    const db = await testDb();
    expect((await db.pool.query('SELECT 1 FROM usage_records WHERE generation_id = $1', [ok])).rowCount).toBe(0);
    expect((await insertUsage([[ok, accountId, keyId]])).rowCount).toBe(1);
    // The update of an upsert is checked too: an abandoned record replaced with a key that does not exist.
    await expect(
      insertUsage([[ok, accountId, randomUUID()]], 'ON CONFLICT (generation_id) DO UPDATE SET key_id = EXCLUDED.key_id, outcome = EXCLUDED.outcome'),
    ).rejects.toMatchObject(FOREIGN_KEY_VIOLATION);
  });

  it('refuses a ledger entry for an account that does not exist', async () => {
    const db = await testDb();
    await expect(
      db.pool.query(`INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros) VALUES ($1, 'adjustment', 5, 5)`, [randomUUID()]),
    ).rejects.toMatchObject(FOREIGN_KEY_VIOLATION);
  });

  it('keeps accounts and keys for good: no DELETE, no new id; other changes go through', async () => {
    const { accountId, keyId } = await accountWithKey();
    const db = await testDb();
    for (const statement of [
      ['DELETE FROM api_keys WHERE id = $1', keyId],
      ['DELETE FROM accounts WHERE id = $1', accountId],
      ['UPDATE api_keys SET id = gen_random_uuid() WHERE id = $1', keyId],
      ['UPDATE accounts SET id = gen_random_uuid() WHERE id = $1', accountId],
    ]) {
      await expect(db.pool.query(statement[0], [statement[1]])).rejects.toMatchObject(RESTRICT_VIOLATION);
    }
    await db.pool.query(`UPDATE api_keys SET name = 'renamed' WHERE id = $1`, [keyId]);
    await db.pool.query('UPDATE accounts SET updated_at = now() WHERE id = $1', [accountId]);
    expect((await db.pool.query('SELECT name FROM api_keys WHERE id = $1', [keyId])).rows).toEqual([{ name: 'renamed' }]);
  });

  it('refuses TRUNCATE of accounts and keys before anything is emptied', async () => {
    // In a database of its own: TRUNCATE ... CASCADE locks every table referring to the one it empties, and in the
    // shared test database that waits on, and can deadlock with, the suites writing to them at the same time.
    const scratch = await scratchDatabase();
    try {
      const account = await scratch.pool.query(`INSERT INTO accounts (id, name, updated_at) VALUES (gen_random_uuid(), 'kept', now()) RETURNING id`);
      await scratch.pool.query(
        `INSERT INTO api_keys (id, account_id, name, key_hash, prefix, updated_at) VALUES (gen_random_uuid(), $1, 'kept', 'h', 'p', now())`,
        [account.rows[0].id],
      );
      for (const table of ['accounts', 'api_keys']) {
        await expect(scratch.pool.query(`TRUNCATE ${table} CASCADE`)).rejects.toMatchObject(RESTRICT_VIOLATION);
      }
      const kept = await scratch.pool.query('SELECT (SELECT count(*) FROM accounts)::int AS accounts, (SELECT count(*) FROM api_keys)::int AS keys');
      expect(kept.rows).toEqual([{ accounts: 1, keys: 1 }]);
    } finally {
      await scratch.close();
    }
  });
});

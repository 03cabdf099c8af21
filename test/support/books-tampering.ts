import { Client } from 'pg';
import { TEST_DATABASE_URL } from './test-env';

/**
 * Ways the books drift in the real world despite the ledger guards (the triggers that refuse a ledger row breaking
 * the running balance and a stored balance that differs from the ledger): someone with database access runs a
 * hand-written fix, or a backup is restored, with the triggers disabled, as pg_restore --disable-triggers does. Each
 * helper does exactly that, in its own transaction: the triggers are disabled and enabled again before it commits,
 * so that nothing else ever sees them off.
 */
async function withTriggersDisabled(table: string, trigger: string, work: (client: Client) => Promise<void>) {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
    await work(client);
    await client.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    await client.end();
  }
}

/** A manual edit of the stored balance (e.g. a "goodwill credit" typed into SQL), without a ledger entry. */
export async function editStoredBalance(accountId: string, deltaMicros: bigint): Promise<void> {
  await withTriggersDisabled('accounts', 'accounts_balance_matches_ledger', async (client) => {
    await client.query('UPDATE accounts SET balance_micros = balance_micros + $2::bigint WHERE id = $1', [
      accountId,
      deltaMicros.toString(),
    ]);
  });
}

/** A hand-written ledger row that forgot the running balance (its balance_after repeats the previous one). */
export async function appendEntryOffChain(accountId: string, amountMicros: bigint): Promise<void> {
  await withTriggersDisabled('ledger_entries', 'ledger_entries_running_balance', async (client) => {
    await client.query(
      `INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros, reference)
       SELECT $1::uuid, 'adjustment', $2::bigint,
              COALESCE((SELECT balance_after_micros FROM ledger_entries WHERE account_id = $1::uuid ORDER BY id DESC LIMIT 1), 0),
              'hand-written fix'`,
      [accountId, amountMicros.toString()],
    );
  });
}

/** Usage records carry no guard: a manual edit of a request's cost is a plain UPDATE. */
export async function editUsageCost(generationId: string, costMicros: bigint): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query('UPDATE usage_records SET cost_micros = $2::bigint WHERE generation_id = $1', [
      generationId,
      costMicros.toString(),
    ]);
  } finally {
    await client.end();
  }
}

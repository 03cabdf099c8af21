import { walletViolations } from './books';
import { testDb } from './test-db';
import { TEST_BILLING_STORE } from './test-env';

/**
 * Everything that must hold for an account's money, as a list of violations (empty = consistent):
 * - the stored balance equals the sum of the ledger, and reserved equals the open holds;
 * - every usage record matches its generation's ledger entries: cost = -(settlements), reserved = -(reservation),
 *   and, once the hold is closed, reservation + release = 0 (the release is always the full hold);
 * - every closed reservation has exactly one usage record (one per request, whatever the outcome).
 * On the wallet (TEST_BILLING_STORE=wallet), where no reservation is written and a worker writes the ledger from the
 * settlement events, the wallet's equivalent (books.ts, walletViolations), after writing the settlements so far.
 */
export async function billingViolations(accountId: string): Promise<string[]> {
  if (TEST_BILLING_STORE === 'wallet') return walletViolations(accountId);
  return postgresBillingViolations(accountId);
}

/** billingViolations on the PostgreSQL store, whatever the run's: for tests that drive that store directly. */
export async function postgresBillingViolations(accountId: string): Promise<string[]> {
  const db = await testDb();
  const violations: string[] = [];
  const books = await db.pool.query<{ balance: string; reserved: string; ledger_sum: string; open_holds: string }>(
    `SELECT a.balance_micros::text AS balance, a.reserved_micros::text AS reserved,
            (SELECT COALESCE(SUM(amount_micros), 0) FROM ledger_entries l WHERE l.account_id = a.id)::text AS ledger_sum,
            (SELECT COALESCE(SUM(amount_micros), 0) FROM reservations r
              WHERE r.account_id = a.id AND r.status = 'open')::text AS open_holds
       FROM accounts a WHERE a.id = $1`,
    [accountId],
  );
  const b = books.rows[0];
  if (b.balance !== b.ledger_sum) violations.push(`balance ${b.balance} != ledger sum ${b.ledger_sum}`);
  if (b.reserved !== b.open_holds) violations.push(`reserved ${b.reserved} != open holds ${b.open_holds}`);

  const usage = await db.pool.query<{ generation_id: string; cost: string; reserved: string; charged: string; held: string; hold_net: string; open: boolean }>(
    `SELECT u.generation_id, u.cost_micros::text AS cost, u.reserved_micros::text AS reserved,
            COALESCE(-SUM(l.amount_micros) FILTER (WHERE l.kind = 'settlement'), 0)::text AS charged,
            COALESCE(-SUM(l.amount_micros) FILTER (WHERE l.kind = 'reservation'), 0)::text AS held,
            COALESCE(SUM(l.amount_micros) FILTER (WHERE l.kind IN ('reservation', 'release')), 0)::text AS hold_net,
            EXISTS (SELECT 1 FROM reservations r WHERE r.generation_id = u.generation_id AND r.status = 'open') AS open
       FROM usage_records u LEFT JOIN ledger_entries l ON l.generation_id = u.generation_id
      WHERE u.account_id = $1
      GROUP BY u.generation_id, u.cost_micros, u.reserved_micros`,
    [accountId],
  );
  for (const row of usage.rows) {
    if (row.cost !== row.charged) violations.push(`${row.generation_id}: usage cost ${row.cost} != charged ${row.charged}`);
    if (row.reserved !== row.held) violations.push(`${row.generation_id}: usage reserved ${row.reserved} != held ${row.held}`);
    if (!row.open && row.hold_net !== '0') violations.push(`${row.generation_id}: reservation + release = ${row.hold_net}`);
  }

  const unrecorded = await db.pool.query<{ generation_id: string }>(
    `SELECT r.generation_id FROM reservations r
      WHERE r.account_id = $1 AND r.status <> 'open'
        AND NOT EXISTS (SELECT 1 FROM usage_records u WHERE u.generation_id = r.generation_id)`,
    [accountId],
  );
  for (const row of unrecorded.rows) violations.push(`${row.generation_id}: closed without a usage record`);
  return violations;
}

/** The ledger entries of one generation, oldest first, as [kind, amount] pairs. */
export async function generationEntries(generationId: string): Promise<[string, bigint][]> {
  const db = await testDb();
  const entries = await db.ledgerEntry.findMany({ where: { generationId }, orderBy: { id: 'asc' } });
  return entries.map((e) => [e.kind, e.amountMicros]);
}

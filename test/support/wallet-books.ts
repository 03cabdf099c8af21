import { ReconciliationService, WalletBooksCheck } from '../../libs/billing/src';
import { accountId } from '../../libs/common/src';
import { ReconciliationChecksRepository, ReconciliationsRepository } from '../../libs/db/src';
import { testDb } from './test-db';
import { waitFor } from './wait-for';
import type { WalletHarness } from './wallet-harness';

/**
 * What must hold for an account whose money goes through the wallet, once its settlements are written (empty list =
 * consistent):
 * - the stored balance equals the sum of the ledger, and the latest running balance equals both;
 * - one usage record per generation that moved money, its cost equal to what the ledger charged it
 *   (settlement + late_settlement entries), and no ledger entry without a usage record;
 * - at most one `settlement` and one `late_settlement` entry per generation (the unique key guarantees it; counted
 *   anyway, since this is what "never charged twice" means).
 */
export async function walletBooksViolations(accountId: string): Promise<string[]> {
  const db = await testDb();
  const violations: string[] = [];
  const books = await db.pool.query<{ balance: string; ledger_sum: string; running: string | null }>(
    `SELECT a.balance_micros::text AS balance,
            (SELECT COALESCE(SUM(amount_micros), 0) FROM ledger_entries l WHERE l.account_id = a.id)::text AS ledger_sum,
            (SELECT balance_after_micros::text FROM ledger_entries l WHERE l.account_id = a.id ORDER BY id DESC LIMIT 1)
              AS running
       FROM accounts a WHERE a.id = $1`,
    [accountId],
  );
  const b = books.rows[0];
  if (b.balance !== b.ledger_sum) violations.push(`balance ${b.balance} != ledger sum ${b.ledger_sum}`);
  if ((b.running ?? '0') !== b.ledger_sum) violations.push(`running balance ${b.running} != ledger sum ${b.ledger_sum}`);

  const charged = await db.pool.query<{ generation_id: string; cost: string | null; charged: string; entries: string }>(
    `SELECT l.generation_id, u.cost_micros::text AS cost, (-SUM(l.amount_micros))::text AS charged,
            COUNT(*)::text AS entries
       FROM ledger_entries l LEFT JOIN usage_records u ON u.generation_id = l.generation_id
      WHERE l.account_id = $1 AND l.generation_id IS NOT NULL
      GROUP BY l.generation_id, u.cost_micros`,
    [accountId],
  );
  for (const row of charged.rows) {
    if (row.cost === null) violations.push(`${row.generation_id}: ledger entries without a usage record`);
    else if (row.cost !== row.charged) violations.push(`${row.generation_id}: usage cost ${row.cost} != charged ${row.charged}`);
    if (Number(row.entries) > 2) violations.push(`${row.generation_id}: ${row.entries} ledger entries`);
  }
  const uncharged = await db.pool.query<{ generation_id: string; cost: string }>(
    `SELECT u.generation_id, u.cost_micros::text AS cost FROM usage_records u
      WHERE u.account_id = $1 AND u.cost_micros <> 0
        AND NOT EXISTS (SELECT 1 FROM ledger_entries l WHERE l.generation_id = u.generation_id)`,
    [accountId],
  );
  for (const row of uncharged.rows) violations.push(`${row.generation_id}: cost ${row.cost} never charged`);
  return violations;
}

/** The account's stored balance and the number of its usage records. */
export async function walletAccountRow(accountId: string): Promise<{ balance: bigint; walletSeq: bigint; usage: number }> {
  const db = await testDb();
  const { rows } = await db.pool.query<{ balance: string; wallet_seq: string; usage: string }>(
    `SELECT a.balance_micros::text AS balance, a.wallet_seq::text AS wallet_seq,
            (SELECT COUNT(*) FROM usage_records u WHERE u.account_id = a.id)::text AS usage
       FROM accounts a WHERE a.id = $1`,
    [accountId],
  );
  return { balance: BigInt(rows[0].balance), walletSeq: BigInt(rows[0].wallet_seq), usage: Number(rows[0].usage) };
}

/**
 * Waits until the wallet has nothing left in flight for the account (no hold, every settlement event written to
 * PostgreSQL by a worker's ledger writer), then returns its Redis balance and its PostgreSQL row.
 */
export async function walletSettled(h: WalletHarness, account: string, timeoutMs = 45_000) {
  const id = accountId(account);
  return waitFor(async () => {
    const state = (await h.inspector.inspect([id])).get(id);
    if (!state?.loaded || state.holds !== 0 || state.heldMicros !== 0n || state.unflushed.size !== 0) return null;
    const row = await walletAccountRow(account);
    return row.walletSeq === state.eventSeq ? { walletBalance: state.balanceMicros, ...row } : null;
  }, timeoutMs);
}

/**
 * The books check of an account held in the wallet, once walletSettled: walletBooksViolations, the wallet's balance
 * against PostgreSQL's, and what a reconciliation run (the worker's, with the wallet check) finds on the account.
 */
export async function walletBooksProblems(h: WalletHarness, account: string, since: Date): Promise<string[]> {
  const problems = await walletBooksViolations(account);
  const { walletBalance, balance } = await walletSettled(h, account);
  if (walletBalance !== balance) problems.push(`wallet balance ${walletBalance} != stored balance ${balance}`);
  const reconciliation = new ReconciliationService(
    new ReconciliationsRepository(h.prisma),
    new ReconciliationChecksRepository(h.prisma),
    h.config,
    new WalletBooksCheck(h.inspector, h.accounts, h.config),
  );
  const report = await reconciliation.check({ from: since, to: new Date(Date.now() + 1_000) });
  if (report.wallet?.checked !== true) problems.push(`the reconciliation did not check the wallet: ${JSON.stringify(report.wallet)}`);
  const findings = {
    walletDrift: report.walletDrift,
    drift: report.drift,
    usageWithoutLedger: report.usageWithoutLedger,
    usageLedgerMismatches: report.usageLedgerMismatches,
    ledgerWithoutUsage: report.ledgerWithoutUsage,
  };
  for (const [kind, items] of Object.entries(findings)) {
    for (const item of items as { accountId: string }[]) {
      if (item.accountId === account) problems.push(`${kind}: ${JSON.stringify(item, (_k, v) => (typeof v === 'bigint' ? `${v}` : v))}`);
    }
  }
  return problems;
}

import { accountId as toAccountId } from '../../libs/common/src';
import { closeWithTestDb, testDb } from './test-db';
import { TEST_BILLING_STORE } from './test-env';
import { walletAccountRow, walletBooksViolations } from './wallet-books';
import { WalletHarness } from './wallet-harness';

/**
 * The books whatever the store the suite's apps run on (TEST_BILLING_STORE). On PostgreSQL the proxy writes its
 * ledger entries and usage records itself, with each settlement. On the wallet a worker's ledger writer writes them
 * from the settlement events: here the suite runs that writer in-process, on the suite's own key prefix (the one
 * testEnv gives its apps, so it takes only this suite's events), beside any worker the suite started (one consumer
 * group: each event is written once, whichever writer takes it).
 */
let harness: WalletHarness | undefined;

function suiteWallet(): WalletHarness {
  if (!harness) {
    // The writer here is the suites' plumbing, not what they test: on a loaded machine a Redis call of a large pass
    // may take more than the wallet's 1 s deadline, and a pass that always fails would never catch up.
    const opened = WalletHarness.shared({ INSTANCE_ID: `suite-flush-${process.pid}`, WALLET_COMMAND_TIMEOUT_MS: '10000' });
    harness = opened;
    closeWithTestDb(async () => {
      harness = undefined;
      await opened.close();
    });
  }
  return harness;
}

/** Writes every settlement the suite's proxies have made so far to PostgreSQL (on PostgreSQL, they already are). */
export async function writeSettlements(): Promise<void> {
  if (TEST_BILLING_STORE === 'wallet') await suiteWallet().flush();
}

/** Polls `check` as waitFor does, writing the settlements made so far before every try. */
export async function afterSettlements<T>(check: () => Promise<T> | T): Promise<T> {
  await writeSettlements();
  return check();
}

/**
 * Whether nothing is in flight for the account any more: on PostgreSQL no open reservation and nothing reserved; on
 * the wallet no hold, and every settlement event written (the account's PostgreSQL row has caught up with the
 * wallet's event sequence). An account the wallet never loaded has nothing in flight.
 */
export async function nothingInFlight(accountId: string): Promise<boolean> {
  const db = await testDb();
  if (TEST_BILLING_STORE === 'postgres') {
    const { rows } = await db.pool.query<{ reserved: string; open: string }>(
      `SELECT a.reserved_micros::text AS reserved,
              (SELECT COUNT(*) FROM reservations r WHERE r.account_id = a.id AND r.status = 'open')::text AS open
         FROM accounts a WHERE a.id = $1`,
      [accountId],
    );
    return rows[0].reserved === '0' && rows[0].open === '0';
  }
  const wallet = suiteWallet();
  await wallet.flush();
  const id = toAccountId(accountId);
  const state = (await wallet.inspector.inspect([id])).get(id);
  if (!state?.loaded) return true;
  if (state.holds !== 0 || state.heldMicros !== 0n || state.unflushed.size !== 0) return false;
  return (await walletAccountRow(accountId)).walletSeq === state.eventSeq;
}

/**
 * Money posted to the account in PostgreSQL outside the admin API (a direct LedgerRepository.post: the wallet was not
 * told) reaches the spendable balance: on the wallet, the account's unapplied credits are applied as the worker's
 * relay applies them after a crash between a posting's commit and its wallet call (exactly once, in order); on
 * PostgreSQL the posting is the balance already.
 */
export async function relayCredits(accountId: string): Promise<void> {
  if (TEST_BILLING_STORE === 'postgres') return;
  const db = await testDb();
  const { rows } = await db.pool.query<{ seq: string; amount: string }>(
    `SELECT seq::text, amount_micros::text AS amount FROM wallet_credits
      WHERE account_id = $1::uuid AND applied_at IS NULL ORDER BY seq`,
    [accountId],
  );
  for (const { seq, amount } of rows) await suiteWallet().credits.apply(toAccountId(accountId), BigInt(seq), BigInt(amount));
}

/**
 * The wallet's books check of an account (empty = consistent), once its settlements are written:
 * walletBooksViolations (balance = ledger sum = running balance, one usage record per charged generation, its cost
 * what the ledger charged, never two settlements), nothing reserved in PostgreSQL (the wallet holds in Redis), and the
 * wallet's balance equal to the stored one once nothing is in flight.
 */
export async function walletViolations(accountId: string): Promise<string[]> {
  await writeSettlements();
  const violations = await walletBooksViolations(accountId);
  const db = await testDb();
  const { rows } = await db.pool.query<{ reserved: string; reservations: string }>(
    `SELECT a.reserved_micros::text AS reserved,
            (SELECT COUNT(*) FROM reservations r WHERE r.account_id = a.id)::text AS reservations
       FROM accounts a WHERE a.id = $1`,
    [accountId],
  );
  if (rows[0].reserved !== '0') violations.push(`reserved ${rows[0].reserved} in PostgreSQL on the wallet`);
  if (rows[0].reservations !== '0') violations.push(`${rows[0].reservations} PostgreSQL reservation(s) on the wallet`);
  const id = toAccountId(accountId);
  const state = (await suiteWallet().inspector.inspect([id])).get(id);
  if (state?.loaded && state.holds === 0 && state.unflushed.size === 0) {
    const { balance } = await walletAccountRow(accountId);
    if (state.balanceMicros !== balance) violations.push(`wallet balance ${state.balanceMicros} != stored balance ${balance}`);
  }
  return violations;
}

/**
 * The ledger entries a finished request leaves, oldest first, as [kind, amount] pairs. On PostgreSQL its hold
 * (`reservation`), the hold's full `release` and the `settlement` of its cost (0 included); on the wallet, where the
 * hold lives in Redis, one `settlement` per charged request and nothing for a request that cost nothing.
 */
export function finishedEntries(reservedMicros: bigint, costMicros: bigint): [string, bigint][] {
  if (TEST_BILLING_STORE === 'wallet') return costMicros === 0n ? [] : [['settlement', -costMicros]];
  return [
    ['reservation', -reservedMicros],
    ['release', reservedMicros],
    ['settlement', -costMicros],
  ];
}

/**
 * The ledger entries a request whose hold was released in full leaves (an upstream failure): on PostgreSQL the hold
 * and its release; on the wallet, where the hold lives in Redis, none.
 */
export function releasedEntries(reservedMicros: bigint): [string, bigint][] {
  if (TEST_BILLING_STORE === 'wallet') return [];
  return [
    ['reservation', -reservedMicros],
    ['release', reservedMicros],
  ];
}

/** What the account holds right now: PostgreSQL's reserved_micros, or the wallet's held amount in Redis. */
export async function heldNow(accountId: string): Promise<bigint> {
  if (TEST_BILLING_STORE === 'postgres') {
    const { rows } = await (await testDb()).pool.query<{ reserved: string }>(
      'SELECT reserved_micros::text AS reserved FROM accounts WHERE id = $1',
      [accountId],
    );
    return BigInt(rows[0].reserved);
  }
  const id = toAccountId(accountId);
  return (await suiteWallet().inspector.inspect([id])).get(id)?.heldMicros ?? 0n;
}

import { DEMO_CATALOG } from '../../scripts/demo-catalog';
import { billingViolations } from './billing-invariants';
import { afterSettlements, nothingInFlight } from './books';
import { accountBooks, testDb } from './test-db';
import { waitFor } from './wait-for';
import { TEST_BILLING_STORE } from './test-env';

const MICROS_PER_USD = 1_000_000n;

/** USD per MTok as a decimal string -> micro-dollars per MTok, independently of the product's money helpers. */
function microsPerMTok(usd: string): bigint {
  const [whole, fraction = ''] = usd.split('.');
  return BigInt(whole) * MICROS_PER_USD + BigInt(fraction.padEnd(6, '0').slice(0, 6));
}

export interface Tokens {
  input: number;
  output: number;
  /** Parts of `input` read from / written to the prompt cache. */
  cachedInput?: number;
  cacheWrite?: number;
}

const ceilDiv = (numerator: bigint, denominator: bigint) => (numerator + denominator - 1n) / denominator;

/** The demo models follow PRICE_MARKUP, 1.05 by default: each upstream price x 105 / 100, rounded up (spec/policy.md). */
const charged = (upstreamMicros: bigint) => ceilDiv(upstreamMicros * 105n, 100n);

/**
 * What a request must cost at the demo catalog's charged prices: every token class at its price (a cache price the
 * catalog does not set defaults to 0.1 x / 1.25 x the input price), rounded up once.
 */
export function demoCost(modelId: string, tokens: Tokens): bigint {
  const entry = DEMO_CATALOG.find((model) => model.id === modelId);
  if (!entry) throw new Error(`${modelId} is not in the demo catalog`);
  const upstreamInput = microsPerMTok(entry.input);
  const input = charged(upstreamInput);
  const cachedPrice = charged(entry.cachedInput ? microsPerMTok(entry.cachedInput) : ceilDiv(upstreamInput, 10n));
  const writePrice = charged(entry.cacheWrite ? microsPerMTok(entry.cacheWrite) : ceilDiv(upstreamInput * 5n, 4n));
  const cached = BigInt(tokens.cachedInput ?? 0);
  const written = BigInt(tokens.cacheWrite ?? 0);
  const total =
    (BigInt(tokens.input) - cached - written) * input +
    cached * cachedPrice +
    written * writePrice +
    BigInt(tokens.output) * charged(microsPerMTok(entry.output));
  return ceilDiv(total, MICROS_PER_USD);
}

/** The request's usage record (written with its settlement, asynchronously; on the wallet, by the ledger writer). */
export async function usageOf(generationId: string) {
  const db = await testDb();
  return waitFor(() => afterSettlements(() => db.usageRecord.findUnique({ where: { generationId } })));
}

/**
 * The account's books once nothing is held any more and every settlement is written (nothingInFlight, whatever the
 * store): reserved back to 0, no reservation left open. Fails after the wait if a hold stays open.
 */
export async function settledBooks(accountId: string) {
  const db = await testDb();
  await waitFor(() => nothingInFlight(accountId));
  const books = await accountBooks(accountId);
  if (books.reserved !== 0n || books.openHolds !== 0n) throw new Error(`reserved ${books.reserved}, open holds ${books.openHolds}`);
  const open = await db.reservation.count({ where: { accountId, status: 'open' } });
  if (open !== 0) throw new Error(`${open} reservation(s) still open`);
  return books;
}

/**
 * What is off in an account's books once its holds are settled, given what it started with and what its requests
 * should have cost (empty = right): the balance, the ledger's sum, and every invariant of billingViolations.
 */
export async function chargeProblems(accountId: string, startMicros: bigint, chargedMicros: bigint): Promise<string[]> {
  const books = await settledBooks(accountId);
  const problems = await billingViolations(accountId);
  const expected = startMicros - chargedMicros;
  if (books.balance !== expected) problems.push(`balance ${books.balance}, expected ${expected}`);
  if (books.ledgerSum !== books.balance) problems.push(`ledger sum ${books.ledgerSum} != balance ${books.balance}`);
  return problems;
}

/**
 * How many holds the account took: its reservation rows on PostgreSQL; on the wallet, whose holds leave no row, its
 * usage records that held something (each records its hold), once the settlements so far are written.
 */
export async function reservationCount(accountId: string): Promise<number> {
  const db = await testDb();
  if (TEST_BILLING_STORE === 'wallet') {
    return afterSettlements(() => db.usageRecord.count({ where: { accountId, reservedMicros: { gt: 0n } } }));
  }
  return db.reservation.count({ where: { accountId } });
}

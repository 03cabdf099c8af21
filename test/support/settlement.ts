import { DEMO_CATALOG } from '../../scripts/demo-catalog';
import { accountBooks, testDb } from './test-db';
import { waitFor } from './wait-for';

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

/** What a request must cost at the demo catalog's prices: every token class at its price, rounded up once. */
export function demoCost(modelId: string, tokens: Tokens): bigint {
  const entry = DEMO_CATALOG.find((model) => model.id === modelId);
  if (!entry) throw new Error(`${modelId} is not in the demo catalog`);
  const input = microsPerMTok(entry.input);
  const cached = BigInt(tokens.cachedInput ?? 0);
  const written = BigInt(tokens.cacheWrite ?? 0);
  const total =
    (BigInt(tokens.input) - cached - written) * input +
    cached * (entry.cachedInput ? microsPerMTok(entry.cachedInput) : input) +
    written * (entry.cacheWrite ? microsPerMTok(entry.cacheWrite) : input) +
    BigInt(tokens.output) * microsPerMTok(entry.output);
  return (total + MICROS_PER_USD - 1n) / MICROS_PER_USD;
}

/** The request's usage record (written with its settlement, asynchronously). */
export async function usageOf(generationId: string) {
  const db = await testDb();
  return waitFor(() => db.usageRecord.findUnique({ where: { generationId } }));
}

/**
 * The account's books once nothing is held any more: reserved back to 0, no reservation left open, and every
 * reservation the account ever had closed. Fails after the wait if a hold stays open.
 */
export async function settledBooks(accountId: string) {
  const db = await testDb();
  const books = await waitFor(async () => {
    const b = await accountBooks(accountId);
    return b.reserved === 0n && b.openHolds === 0n ? b : null;
  });
  const open = await db.reservation.count({ where: { accountId, status: 'open' } });
  if (open !== 0) throw new Error(`${open} reservation(s) still open`);
  return books;
}

export async function reservationCount(accountId: string): Promise<number> {
  const db = await testDb();
  return db.reservation.count({ where: { accountId } });
}

import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { loadConfig } from '@gw/config';
import { countOpenAiTokens } from '../token-counters';
import { ExactTokenCounter } from './exact-token-counter';

const counters: ExactTokenCounter[] = [];
const counterWith = (limits: Record<string, string>) => {
  const counter = new ExactTokenCounter(loadConfig({ DATABASE_URL: 'postgresql://x@127.0.0.1/x', ...limits }));
  counters.push(counter);
  return counter;
};
const bytes = (pieces: string[]) => pieces.reduce((sum, piece) => sum + Buffer.byteLength(piece), 0);

/** A deterministic pseudo-random source. */
function randomFrom(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

/** Resolves with the longest gap between timer ticks of this thread while `work` runs: how long it was blocked. */
async function longestStall<T>(work: Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 5);
  try {
    return { result: await work, stallMs };
  } finally {
    clearInterval(ticker);
  }
}

describe(ExactTokenCounter.name, () => {
  let counter: ExactTokenCounter;
  afterEach(() => Promise.all(counters.splice(0).map((created) => created.onModuleDestroy())));

  it('counts each piece with the encoding asked for, in a worker thread', async () => {
    counter = counterWith({ EXACT_COUNT_TIMEOUT_MS: '20000' });
    const pieces = ['hello world', 'The quick brown fox, 日本語 😀', '<|endoftext|> special text is text'];
    expect(await counter.count(pieces, 'o200k_base', bytes(pieces))).toBe(pieces.reduce((n, p) => n + countOpenAiTokens(p), 0));
    const cl100kOptions = { disallowedSpecial: new Set<string>() };
    expect(await counter.count(pieces, 'cl100k_base', bytes(pieces))).toBe(pieces.reduce((n, p) => n + cl100k(p, cl100kOptions), 0));
    expect(await counter.count([], 'o200k_base', 0)).toBe(0);
  }, 30_000);

  it('does not count text over EXACT_COUNT_MAX_BYTES (the byte bound stands)', async () => {
    counter = counterWith({ EXACT_COUNT_MAX_BYTES: '10' });
    expect(await counter.count(['x'.repeat(11)], 'o200k_base', 11)).toBeNull();
  });

  it('counts a long run without word boundaries (one pre-token) exactly, within the default time limit', async () => {
    counter = counterWith({});
    counter.warm();
    // The tokenizer's own merge is quadratic in a pre-token's length: this took it 3 to 5 seconds, past the limit.
    const run = 'a'.repeat(100_000);
    expect(await counter.count([run], 'o200k_base', 100_000)).toBe(12_500);
    expect(await counter.count([run], 'cl100k_base', 100_000)).toBe(12_500);
    const random = randomFrom(7);
    const word = Array.from({ length: 20_000 }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join('');
    const pieces = [`A word: ${word}, and more.`];
    expect(await counter.count(pieces, 'o200k_base', bytes(pieces))).toBe(countOpenAiTokens(pieces[0]));
  }, 30_000);

  it('gives a slow count up at EXACT_COUNT_TIMEOUT_MS without ever blocking the event loop, and counts again after', async () => {
    counter = counterWith({ EXACT_COUNT_TIMEOUT_MS: '1500', EXACT_COUNT_MAX_BYTES: '4000000' });
    counter.warm();
    // 4 MB of random letters without a space, one pre-token, takes the tokenizer several seconds even merged in
    // O(n log n) (long-piece-merge.ts).
    const random = randomFrom(11);
    const letters = Array.from({ length: 4_000_000 }, () => String.fromCharCode(97 + Math.floor(random() * 26)));
    const pathological = [letters.join('')];
    const startedAt = performance.now();
    const { result, stallMs } = await longestStall(counter.count(pathological, 'o200k_base', 4_000_000));
    expect(result).toBeNull();
    expect(performance.now() - startedAt).toBeLessThan(10_000);
    // Generous: this thread only waited (a loaded machine may delay a timer, never by the count's seconds).
    expect(stallMs).toBeLessThan(500);
    // The thread that ran past its time was replaced: counts work again (a new thread loads the tokenizer first, which
    // a loaded machine may stretch past the limit once or twice).
    let afterwards: number | null = null;
    for (let attempt = 0; attempt < 5 && afterwards === null; attempt++) {
      afterwards = await counter.count(['hello world'], 'o200k_base', 11);
    }
    expect(afterwards).toBe(2);
  }, 60_000);

  it('refuses new counts while too much is already waiting', async () => {
    counter = counterWith({ EXACT_COUNT_MAX_BYTES: '1000', EXACT_COUNT_TIMEOUT_MS: '20000' });
    const piece = 'word '.repeat(200); // 1,000 bytes
    const counts = await Promise.all(Array.from({ length: 12 }, () => counter.count([piece], 'o200k_base', 1_000)));
    // One at work, four waiting (4 x the size limit); the rest refused at once.
    expect(counts.filter((count) => count === null).length).toBeGreaterThan(0);
    expect(counts.filter((count) => count === countOpenAiTokens(piece)).length).toBeGreaterThanOrEqual(5);
  }, 30_000);
});

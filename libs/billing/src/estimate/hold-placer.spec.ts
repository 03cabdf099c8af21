import type { ExactTokenCounter } from './exact-token-counter';
import { boundQuote, exactQuote, HoldPlan } from './hold-plan';
import { EXACT_QUOTE_MAX_BYTES, HoldPlacer, StoreAnswer } from './hold-placer';

const PRICE = { inputMicrosPerMTok: 1_000_000n, outputMicrosPerMTok: 2_000_000n, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null };
// 1,000 bytes of text (the byte bound: 1,000 tokens), 200 exact tokens; 10 tokens of allowances; 100 output tokens.
const PIECE = 'word '.repeat(200);
const plan = (overrides: Partial<HoldPlan> = {}): HoldPlan => ({
  price: PRICE,
  input: { pieces: [PIECE], allowanceTokens: 10 },
  outputTokens: 100,
  encoding: 'o200k_base',
  ...overrides,
});
const BOUND = boundQuote(plan()).amountMicros; // (1,000 + 10) x 1 + 100 x 2 = 1,210
const EXACT = exactQuote(plan(), 200).amountMicros; // (200 + 10) x 1 + 100 x 2 = 410

/** A store that accepts holds up to `balance`, and a counter that answers `tokens`. */
function setUp(balance: bigint, tokens: number | null = 200) {
  const reserved: bigint[] = [];
  const attempt = async (amountMicros: bigint): Promise<StoreAnswer> => {
    reserved.push(amountMicros);
    const accepted = amountMicros <= balance;
    return { accepted, balanceMicros: accepted ? balance - amountMicros : balance };
  };
  const counter = { count: jest.fn(async () => tokens) };
  const sut = new HoldPlacer(counter as unknown as ExactTokenCounter);
  const place = (p = plan()) => sut.place(p, attempt);
  return { place, reserved, counter };
}

describe(HoldPlacer.name, () => {
  it('reserves the byte bound without counting when the balance covers it', async () => {
    const { place, reserved, counter } = setUp(10_000n);
    expect(await place()).toMatchObject({ accepted: true, quote: { amountMicros: BOUND, exact: false } });
    expect(reserved).toEqual([BOUND]);
    expect(counter.count).not.toHaveBeenCalled();
  });

  it('counts exactly (off the event loop) when the bound is refused, and reserves the exact hold that fits', async () => {
    const { place, reserved, counter } = setUp(500n);
    expect(await place()).toMatchObject({ accepted: true, quote: { amountMicros: EXACT, exact: true, inputTokens: 210 } });
    expect(reserved).toEqual([BOUND, EXACT]);
    expect(counter.count).toHaveBeenCalledWith([PIECE], 'o200k_base', 1_000);
  });

  it('names the exact amount when nothing could fit: a balance at or below zero, or below the hold with every text free', async () => {
    for (const balance of [0n, -5n, 209n]) {
      // 209 < 10 x 1 + 100 x 2 = 210: no count could make the request fit; the count only names what it needs.
      const { place, reserved, counter } = setUp(balance);
      expect(await place()).toMatchObject({ accepted: false, quote: { amountMicros: EXACT, exact: true }, balanceMicros: balance });
      expect(reserved).toEqual([BOUND]);
      expect(counter.count).toHaveBeenCalledTimes(1);
    }
  });

  it('never counts a large text when nothing could fit: the 402 keeps the byte bound', async () => {
    const large = plan({ input: { pieces: ['word '.repeat(EXACT_QUOTE_MAX_BYTES / 5 + 1)], allowanceTokens: 10 } });
    for (const balance of [0n, 209n]) {
      const { place, counter } = setUp(balance);
      expect(await place(large)).toMatchObject({ accepted: false, quote: { amountMicros: boundQuote(large).amountMicros } });
      expect(counter.count).not.toHaveBeenCalled();
    }
    // One that could fit once counted is counted whatever its size (bounded by EXACT_COUNT_MAX_BYTES).
    const { place, counter } = setUp(boundQuote(large).amountMicros - 1n, 200);
    expect(await place(large)).toMatchObject({ accepted: true, quote: { exact: true } });
    expect(counter.count).toHaveBeenCalledTimes(1);
  });

  it('refuses on the exact amount, without a second round trip, when even that does not fit', async () => {
    const { place, reserved } = setUp(300n);
    expect(await place()).toMatchObject({ accepted: false, quote: { amountMicros: EXACT, exact: true } });
    expect(reserved).toEqual([BOUND]);
  });

  it('keeps the byte bound when the model has no tokenizer the gateway knows, or the count cannot be had', async () => {
    const anthropic = setUp(500n);
    expect(await anthropic.place(plan({ encoding: null }))).toMatchObject({ accepted: false, quote: { amountMicros: BOUND } });
    expect(anthropic.counter.count).not.toHaveBeenCalled();
    const tooBig = setUp(500n, null);
    expect(await tooBig.place()).toMatchObject({ accepted: false, quote: { amountMicros: BOUND } });
  });

  it('holds nothing for a free model', async () => {
    const { place, reserved } = setUp(0n);
    const free = { ...PRICE, inputMicrosPerMTok: 0n, outputMicrosPerMTok: 0n };
    expect(await place(plan({ price: free }))).toMatchObject({ accepted: true, quote: { amountMicros: 0n } });
    expect(reserved).toEqual([]);
  });

  describe("with the key's daily limit", () => {
    /** A store with a large balance whose key has `left` of its daily limit. */
    function limited(left: bigint) {
      const reserved: bigint[] = [];
      const attempt = async (amountMicros: bigint): Promise<StoreAnswer> => {
        reserved.push(amountMicros);
        const fits = amountMicros <= left;
        return {
          accepted: fits,
          balanceMicros: 1_000_000n,
          refusal: fits ? null : 'daily_limit',
          dailyLeftMicros: fits ? left - amountMicros : left,
        };
      };
      const counter = { count: jest.fn(async () => 200) };
      const sut = new HoldPlacer(counter as unknown as ExactTokenCounter);
      return { place: () => sut.place(plan(), attempt), reserved, counter };
    }

    it('says the daily limit refused, and counts exactly when what the limit leaves could hold the exact amount', async () => {
      const { place, reserved } = limited(500n);
      expect(await place()).toMatchObject({ accepted: true, quote: { amountMicros: EXACT }, refusal: null });
      expect(reserved).toEqual([BOUND, EXACT]);
    });

    it('refuses on the daily limit without a second attempt when even the exact amount would cross it', async () => {
      const tight = limited(300n);
      expect(await tight.place()).toMatchObject({ accepted: false, quote: { amountMicros: EXACT }, refusal: 'daily_limit' });
      expect(tight.reserved).toEqual([BOUND]);
      // Nothing left today: refused on the daily limit all the same (a small text is counted, a second attempt never).
      const spent = limited(0n);
      expect(await spent.place()).toMatchObject({ accepted: false, quote: { amountMicros: EXACT }, refusal: 'daily_limit' });
      expect(spent.reserved).toEqual([BOUND]);
    });

    it('says the balance refused when the balance is the tighter one', async () => {
      const { place } = setUp(300n);
      expect(await place()).toMatchObject({ accepted: false, refusal: 'balance' });
    });
  });
});

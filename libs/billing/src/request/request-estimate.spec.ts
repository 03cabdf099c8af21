import fc from 'fast-check';
import { encodeChat } from 'gpt-tokenizer/model/gpt-4o';
import { boundQuote, exactQuote } from '../estimate/hold-plan';
import { countOpenAiTokens } from '../token-counters';
import { costMicros, holdMicros, TokenUsage } from '../pricing';
import type { ModelRecord } from '@gw/db';
import { modelRecord } from '../../../../test/factories/model-record.factory';
import { holdPlan, outputLimit, priceOf, withOutputLimit } from './request-estimate';

const model = (overrides: Partial<ModelRecord> = {}): ModelRecord =>
  modelRecord({ id: 'openai/test', upstreamModel: 'gpt-4.1-mini', aliases: [], timeoutS: 120, channels: [], ...overrides });
const anthropic = (overrides: Partial<ModelRecord> = {}) =>
  model({
    id: 'anthropic/test',
    provider: 'anthropic',
    upstreamModel: 'claude-haiku-4-5',
    inputMicrosPerMTok: 1_000_000n,
    outputMicrosPerMTok: 5_000_000n,
    cachedInputMicrosPerMTok: 100_000n,
    cacheWriteMicrosPerMTok: 1_250_000n,
    ...overrides,
  });
const gemini = (overrides: Partial<ModelRecord> = {}) =>
  model({
    id: 'google/test',
    provider: 'google',
    upstreamModel: 'gemini-2.5-flash',
    inputMicrosPerMTok: 300_000n,
    outputMicrosPerMTok: 2_500_000n,
    cachedInputMicrosPerMTok: 30_000n,
    maxOutputTokens: 65_536,
    contextWindow: 1_048_576,
    ...overrides,
  });
const messages = [{ role: 'user', content: 'hello there' }];
const bytes = (value: string) => Buffer.byteLength(value, 'utf8');

describe(holdPlan.name, () => {
  it("holds output up to max_completion_tokens (preferred over max_tokens), max_tokens, else the model's max, times n", () => {
    expect(holdPlan('chat.completions', { messages, max_tokens: 50, max_completion_tokens: 200 }, model()).outputTokens).toBe(200);
    expect(holdPlan('chat.completions', { messages, max_tokens: 50 }, model()).outputTokens).toBe(50);
    expect(holdPlan('chat.completions', { messages }, model()).outputTokens).toBe(1_000);
    expect(holdPlan('chat.completions', { messages, max_tokens: 5_000 }, model()).outputTokens).toBe(1_000);
    expect(holdPlan('chat.completions', { messages, max_tokens: 50, n: 3 }, model()).outputTokens).toBe(150);
    expect(holdPlan('messages', { messages, max_tokens: 1_024 }, anthropic({ maxOutputTokens: 64_000 })).outputTokens).toBe(1_024);
  });

  it("holds the Responses API's output up to max_output_tokens, else the model's max (reasoning counts within it)", () => {
    expect(holdPlan('responses', { input: 'hi', max_output_tokens: 50 }, model()).outputTokens).toBe(50);
    expect(holdPlan('responses', { input: 'hi' }, model()).outputTokens).toBe(1_000);
    expect(holdPlan('responses', { input: 'hi', max_output_tokens: 5_000 }, model()).outputTokens).toBe(1_000);
    expect(holdPlan('responses', { input: 'hi' }, model()).encoding).toBe('o200k_base');
  });

  it('holds predicted output as output (billed whether the answer uses it or not)', () => {
    const prediction = { type: 'content', content: 'x'.repeat(100) };
    expect(holdPlan('chat.completions', { messages, max_tokens: 50, prediction }, model()).outputTokens).toBe(50 + 101);
  });

  it("prices every input token at the dearest input-side price: Anthropic's cache writes", () => {
    const plan = holdPlan('messages', { messages, max_tokens: 10 }, anthropic());
    const quote = boundQuote(plan);
    expect(quote.amountMicros).toBe(holdMicros(priceOf(anthropic()), quote.inputTokens, 10));
    expect(quote.amountMicros).toBe((BigInt(quote.inputTokens) * 1_250_000n + 10n * 5_000_000n + 999_999n) / 1_000_000n);
  });

  it('counts exactly only models whose tokenizer the gateway has', () => {
    expect(holdPlan('chat.completions', { messages }, model()).encoding).toBe('o200k_base');
    expect(holdPlan('embeddings', { input: 'a' }, model({ kind: 'embedding', upstreamModel: 'text-embedding-3-small' })).encoding).toBe(
      'cl100k_base',
    );
    expect(holdPlan('chat.completions', { messages }, model({ upstreamModel: 'deepseek-chat' })).encoding).toBeNull();
    expect(holdPlan('messages', { messages, max_tokens: 5 }, anthropic()).encoding).toBeNull();
  });

  it('holds embeddings on input only, and nothing only for a free model', () => {
    const embedding = model({ kind: 'embedding', upstreamModel: 'text-embedding-3-small', outputMicrosPerMTok: 0n, inputMicrosPerMTok: 20_000n });
    const plan = holdPlan('embeddings', { input: 'a b c' }, embedding);
    expect(plan.outputTokens).toBe(0);
    expect(boundQuote(plan).amountMicros).toBe(1n); // (5 bytes + 1) x 0.02 micro-dollars, rounded up
    const free = model({ inputMicrosPerMTok: 0n, outputMicrosPerMTok: 0n, cachedInputMicrosPerMTok: null });
    expect(boundQuote(holdPlan('chat.completions', { messages }, free)).amountMicros).toBe(0n);
    expect(boundQuote(holdPlan('embeddings', { input: '' }, model())).amountMicros).toBeGreaterThan(0n);
  });
});

// Prices up to USD 100 per million tokens, cache prices above or below the input price (a 1-hour cache write costs 2x).
const priceValue = fc.bigInt({ min: 0n, max: 100_000_000n });
const prices = fc.record({
  inputMicrosPerMTok: priceValue,
  outputMicrosPerMTok: priceValue,
  cachedInputMicrosPerMTok: fc.option(priceValue, { nil: null }),
  cacheWriteMicrosPerMTok: fc.option(priceValue, { nil: null }),
});
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom('a ', 'b', '日', '😀', '\n'), maxLength: 300 }),
);
const limit = fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined });

/** A usage the provider may report for a request: `input` tokens split in any way between plain, cached and written. */
const report = (input: number, output: number, cachedShare: number, writtenShare: number): TokenUsage => {
  const cached = Math.floor(input * cachedShare);
  const written = Math.floor((input - cached) * writtenShare);
  return { inputTokens: input, outputTokens: output, cachedInputTokens: cached, cacheWriteTokens: written };
};
const share = fc.double({ min: 0, max: 1, noNaN: true });

describe('holdPlan for Gemini generateContent', () => {
  const contents = [{ role: 'user', parts: [{ text: 'hello there' }] }];

  it("holds maxOutputTokens (else the model's max) times candidateCount, on the byte bound (no Gemini tokenizer)", () => {
    const flash = gemini();
    expect(holdPlan('generate_content', { contents }, flash).outputTokens).toBe(65_536);
    expect(holdPlan('generate_content', { contents, generationConfig: { maxOutputTokens: 100 } }, flash).outputTokens).toBe(100);
    const two = { contents, generationConfig: { maxOutputTokens: 100, candidateCount: 2 } };
    expect(holdPlan('generate_content', two, flash).outputTokens).toBe(200);
    expect(holdPlan('generate_content', { contents }, flash).encoding).toBeNull();
  });

  it('covers any bill Gemini can send for the request: prompt up to one token per byte, candidates plus thoughts up to the limit', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 4_000 }), fc.nat(), fc.nat(), (text, max, c, t) => {
        const flash = gemini();
        const body = { contents: [{ role: 'user', parts: [{ text }] }], generationConfig: { maxOutputTokens: max } };
        const plan = holdPlan('generate_content', body, flash);
        const prompt = bytes(text);
        const candidates = Math.min(c, max);
        const thoughts = Math.min(t, max - candidates);
        const bill = costMicros(priceOf(flash), {
          inputTokens: prompt,
          outputTokens: candidates + thoughts,
          cachedInputTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: thoughts,
        });
        expect(boundQuote(plan).amountMicros).toBeGreaterThanOrEqual(bill);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the hold is an upper bound of what the request can cost', () => {
  it('OpenAI models: the byte bound and the exact count both cover any bill on the o200k count, output up to the limit sent upstream', () => {
    fc.assert(
      fc.property(
        prices,
        fc.array(fc.record({ role: fc.constantFrom('system', 'user', 'assistant'), content: text }), { minLength: 1, maxLength: 5 }),
        limit,
        fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        fc.integer({ min: 1, max: 64_000 }),
        share,
        share,
        (price, chat, maxTokens, n, modelMax, cachedShare, writtenShare) => {
          const m = model({ ...price, maxOutputTokens: modelMax });
          const body = { messages: chat, max_completion_tokens: maxTokens, n };
          const plan = holdPlan('chat.completions', body, m);
          const sent = withOutputLimit('chat.completions', body, outputLimit('chat.completions', body, m));
          const billedInput = encodeChat(chat, 'gpt-4o').length;
          const mostOutput = (sent.max_completion_tokens as number) * (n ?? 1);
          const bill = costMicros(priceOf(m), report(billedInput, mostOutput, cachedShare, writtenShare));
          const counted = plan.input.pieces.reduce((sum, piece) => sum + countOpenAiTokens(piece), 0);
          return bill <= boundQuote(plan).amountMicros && bill <= exactQuote(plan, counted).amountMicros;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('Responses API on OpenAI models: the byte bound and the exact count cover any bill on the o200k count, output up to the limit sent', () => {
    fc.assert(
      fc.property(
        prices,
        fc.option(text, { nil: undefined }),
        fc.array(fc.record({ role: fc.constantFrom('user', 'assistant', 'developer'), content: text }), { minLength: 1, maxLength: 5 }),
        limit,
        fc.integer({ min: 1, max: 64_000 }),
        share,
        (price, instructions, items, maxOutput, modelMax, cachedShare) => {
          const m = model({ ...price, maxOutputTokens: modelMax });
          const body = { instructions, input: items, max_output_tokens: maxOutput };
          const plan = holdPlan('responses', body, m);
          const sent = withOutputLimit('responses', body, outputLimit('responses', body, m));
          const chat = [...(instructions === undefined ? [] : [{ role: 'system', content: instructions }]), ...items];
          const billedInput = encodeChat(chat as Parameters<typeof encodeChat>[0], 'gpt-4o').length;
          const bill = costMicros(priceOf(m), report(billedInput, sent.max_output_tokens as number, cachedShare, 0));
          const counted = plan.input.pieces.reduce((sum, piece) => sum + countOpenAiTokens(piece), 0);
          return bill <= boundQuote(plan).amountMicros && bill <= exactQuote(plan, counted).amountMicros;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('Anthropic models: the byte bound covers a worst-case tokenizer of one token per byte, output up to the max_tokens sent', () => {
    fc.assert(
      fc.property(
        prices,
        fc.array(fc.record({ role: fc.constantFrom('user', 'assistant'), content: text }), { minLength: 1, maxLength: 5 }),
        fc.option(text, { nil: undefined }),
        limit,
        fc.integer({ min: 1, max: 64_000 }),
        share,
        share,
        (price, chat, system, maxTokens, modelMax, cachedShare, writtenShare) => {
          const m = anthropic({ ...price, maxOutputTokens: modelMax });
          const body = { system, messages: chat, max_tokens: maxTokens };
          const plan = holdPlan('messages', body, m);
          const sent = withOutputLimit('messages', body, outputLimit('messages', body, m));
          // Framing as the hold assumes it (4 per message, 3 priming the reply); every text at one token per byte.
          const worstInput = chat.reduce((sum, message) => sum + bytes(message.content) + 4, (system ? bytes(system) : 0) + 3);
          const bill = costMicros(priceOf(m), report(worstInput, sent.max_tokens as number, cachedShare, writtenShare));
          return bill <= boundQuote(plan).amountMicros;
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe(withOutputLimit.name, () => {
  const m = model({ maxOutputTokens: 1_000 });
  const send = (body: Record<string, unknown>) => withOutputLimit('chat.completions', body, outputLimit('chat.completions', body, m));

  it("sends the model's max output explicitly when the client set no limit (the provider's default may be higher)", () => {
    expect(send({ messages })).toEqual({ messages, max_completion_tokens: 1_000 });
  });

  it('leaves a limit within the max as sent, and lowers one above it, whichever field the client used', () => {
    expect(send({ messages, max_tokens: 20 })).toEqual({ messages, max_tokens: 20 });
    expect(send({ messages, max_completion_tokens: 5_000 })).toEqual({ messages, max_completion_tokens: 1_000 });
    expect(send({ messages, max_tokens: 5_000 })).toEqual({ messages, max_tokens: 1_000 });
    expect(send({ messages, max_tokens: 5_000, max_completion_tokens: 300 })).toEqual({ messages, max_tokens: 300, max_completion_tokens: 300 });
  });

  it("caps Anthropic's max_tokens at the model's max", () => {
    const claude = anthropic({ maxOutputTokens: 8_192 });
    const capped = (body: Record<string, unknown>) => withOutputLimit('messages', body, outputLimit('messages', body, claude));
    expect(capped({ messages, max_tokens: 1_024 })).toEqual({ messages, max_tokens: 1_024 });
    expect(capped({ messages, max_tokens: 64_000 })).toEqual({ messages, max_tokens: 8_192 });
  });

  it("keeps Anthropic's max_tokens: 0 (prompt-cache pre-warming: nothing generated) and holds no output for it", () => {
    const claude = anthropic({ maxOutputTokens: 8_192 });
    const body = { messages, max_tokens: 0 };
    expect(outputLimit('messages', body, claude)).toBe(0);
    expect(withOutputLimit('messages', body, outputLimit('messages', body, claude))).toEqual(body);
    expect(holdPlan('messages', body, claude).outputTokens).toBe(0);
  });

  it("sets Gemini's generationConfig.maxOutputTokens to the model's max when absent, and caps it, keeping the rest", () => {
    const flash = gemini({ maxOutputTokens: 65_536 });
    const capped = (body: Record<string, unknown>) =>
      withOutputLimit('generate_content', body, outputLimit('generate_content', body, flash));
    const contents = [{ role: 'user', parts: [{ text: 'hi' }] }];
    expect(capped({ contents })).toEqual({ contents, generationConfig: { maxOutputTokens: 65_536 } });
    const asked = { contents, generationConfig: { temperature: 0, maxOutputTokens: 100 } };
    expect(capped(asked)).toBe(asked);
    expect(capped({ contents, generationConfig: { temperature: 0, maxOutputTokens: 1e6 } })).toEqual({
      contents,
      generationConfig: { temperature: 0, maxOutputTokens: 65_536 },
    });
  });

  it("sends the Responses API's max_output_tokens explicitly, capped at the model's max, the body untouched when within it", () => {
    const responses = (body: Record<string, unknown>) => withOutputLimit('responses', body, outputLimit('responses', body, m));
    expect(responses({ input: 'x' })).toEqual({ input: 'x', max_output_tokens: 1_000 });
    expect(responses({ input: 'x', max_output_tokens: null })).toEqual({ input: 'x', max_output_tokens: 1_000 });
    expect(responses({ input: 'x', max_output_tokens: 5_000 })).toEqual({ input: 'x', max_output_tokens: 1_000 });
    const within = { input: 'x', max_output_tokens: 20 };
    expect(responses(within)).toBe(within);
  });

  it('leaves embeddings alone', () => {
    expect(withOutputLimit('embeddings', { input: 'x' }, 0)).toEqual({ input: 'x' });
  });
});

import { costMicros, openAiChatInputTokens, openAiEmbeddingInputTokens } from '@gw/billing';
import type { ModelRecord } from '@gw/db';
import { estimateRequest, priceOf } from './request-estimate';

const model = (overrides: Partial<ModelRecord> = {}): ModelRecord => ({
  id: 'openai/test',
  provider: 'openai',
  kind: 'chat',
  upstreamModel: 'test',
  aliases: [],
  inputMicrosPerMTok: 400_000n,
  outputMicrosPerMTok: 1_600_000n,
  cachedInputMicrosPerMTok: 100_000n,
  cacheWriteMicrosPerMTok: null,
  maxOutputTokens: 1_000,
  contextWindow: 128_000,
  timeoutS: 120,
  enabled: true,
  createdAt: new Date(0),
  channels: [],
  ...overrides,
});
const messages = [{ role: 'user', content: 'hello there' }];

describe(estimateRequest.name, () => {
  it('holds the counted input plus max_completion_tokens (preferred over max_tokens), at full prices', () => {
    const estimate = estimateRequest('chat.completions', { messages, max_tokens: 50, max_completion_tokens: 200 }, model());
    const input = openAiChatInputTokens({ messages });
    expect(estimate).toEqual({
      inputTokens: input,
      maxOutputTokens: 200,
      amountMicros: costMicros(priceOf(model()), { inputTokens: input, outputTokens: 200, cachedInputTokens: 0, cacheWriteTokens: 0 }),
    });
  });

  it("uses max_tokens, else the model's max output, never more than the model's max output", () => {
    expect(estimateRequest('chat.completions', { messages, max_tokens: 50 }, model()).maxOutputTokens).toBe(50);
    expect(estimateRequest('chat.completions', { messages }, model()).maxOutputTokens).toBe(1_000);
    expect(estimateRequest('chat.completions', { messages, max_tokens: 5_000 }, model()).maxOutputTokens).toBe(1_000);
  });

  it('holds output for every choice asked for (n)', () => {
    expect(estimateRequest('chat.completions', { messages, max_tokens: 50, n: 3 }, model()).maxOutputTokens).toBe(150);
  });

  it('holds Anthropic messages on max_tokens', () => {
    const anthropic = model({ provider: 'anthropic', maxOutputTokens: 64_000 });
    expect(estimateRequest('messages', { messages, max_tokens: 1_024 }, anthropic).maxOutputTokens).toBe(1_024);
  });

  it('holds embeddings on input only', () => {
    const embedding = model({ kind: 'embedding', outputMicrosPerMTok: 0n, inputMicrosPerMTok: 20_000n });
    const estimate = estimateRequest('embeddings', { input: 'a b c' }, embedding);
    expect(estimate.maxOutputTokens).toBe(0);
    expect(estimate.inputTokens).toBe(openAiEmbeddingInputTokens({ input: 'a b c' }));
    expect(estimate.amountMicros).toBe(1n); // 3 tokens x 0.02 micro-dollars, rounded up
  });

  it('holds nothing only for a free model', () => {
    const free = model({ inputMicrosPerMTok: 0n, outputMicrosPerMTok: 0n });
    expect(estimateRequest('chat.completions', { messages }, free).amountMicros).toBe(0n);
    expect(estimateRequest('embeddings', { input: '' }, model()).amountMicros).toBeGreaterThan(0n);
  });
});

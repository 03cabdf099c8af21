import Anthropic from '@anthropic-ai/sdk';
import { countChatCompletionTokens } from 'gpt-tokenizer/model/gpt-4.1-mini';
import { fundedKey, nonce, suiteProxy, TRANSLATED_MODELS } from '../support/translation';

/** 100 KB without a word boundary: one pre-token for the tokenizer, 12,500 tokens ('aaaaaaaa' is one). */
const LONG_WORD = 'a'.repeat(100_000);
const LONG_WORD_TOKENS = 12_500;

/** What OpenAI counts for a chat request of one user message: the chat template's tokens plus the text's. */
const userMessageTokens = (textTokens: number) =>
  countChatCompletionTokens!({ messages: [{ role: 'user', content: 'a' }] }) - 1 + textTokens;

/**
 * Token counting for an OpenAI model (counted by the gateway, exactly, with the model's tokenizer in a worker thread)
 * of a text holding one very long word: the tokenizer's own merge is quadratic in a word's length, so this took it
 * seconds, and the count was given up as "busy" (a 503 the SDKs retry, failing the same way every time) while every
 * other count waiting behind it was given up too.
 */
describe('Token counting for an OpenAI model: a 100 KB word', () => {
  const proxy = suiteProxy();

  it('is counted on the Anthropic and Gemini protocols, while a small count alongside is counted too', async () => {
    const { key } = await fundedKey();
    const anthropic = new Anthropic({ apiKey: key, baseURL: `${proxy().url}/anthropic`, maxRetries: 0 });
    const geminiCount = (text: string) =>
      fetch(`${proxy().url}/gemini/v1beta/models/${TRANSLATED_MODELS.openai}:countTokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] }),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as unknown }));
    const small = `${nonce()} Hello, how are you today?`;

    const [fromAnthropic, fromGemini, smallCount] = await Promise.all([
      anthropic.messages.countTokens({
        model: TRANSLATED_MODELS.openai,
        messages: [{ role: 'user', content: LONG_WORD }],
      }),
      geminiCount(LONG_WORD),
      geminiCount(small),
    ]);

    expect(fromAnthropic).toEqual({ input_tokens: userMessageTokens(LONG_WORD_TOKENS) });
    expect(fromGemini).toEqual({ status: 200, body: { totalTokens: userMessageTokens(LONG_WORD_TOKENS) } });
    const smallTokens = countChatCompletionTokens!({ messages: [{ role: 'user', content: small }] });
    expect(smallCount).toEqual({ status: 200, body: { totalTokens: smallTokens } });
  });
});

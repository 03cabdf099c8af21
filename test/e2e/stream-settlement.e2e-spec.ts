import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { useProxy } from '../support/app-process';
import { afterSettlements } from '../support/books';
import { settledBooks } from '../support/settlement';
import { testDb } from '../support/test-db';
import { TEST_BILLING_STORE } from '../support/test-env';
import { waitFor } from '../support/wait-for';

const PROMPT = 'tell me a long story mock:output_tokens=500 mock:chunk_delay_ms=10';
const PROMPT_WORDS = 7;
const ABORT_AFTER_CHUNKS = 20;
const CHANNEL_KEY = 'sk-channel-credential';
// The test models' prices: 0.40 / 1.60 USD per MTok.
const testModelCost = (input: number, output: number) => BigInt(Math.ceil((input * 400_000 + output * 1_600_000) / 1_000_000));

interface StreamingSdk {
  /** The provider of its models. */
  name: 'openai' | 'anthropic';
  /** The SDK and its route, as the suite's title names them. */
  label: string;
  /** Streams PROMPT and yields the text of each content chunk the client receives. */
  stream(proxyUrl: string, key: string, model: string, signal: AbortSignal, text: string): AsyncIterable<string>;
}

const openai: StreamingSdk = {
  name: 'openai',
  label: 'openai chat completions',
  async *stream(proxyUrl, key, model, signal, text) {
    const client = new OpenAI({ apiKey: key, baseURL: `${proxyUrl}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create(
      { model, stream: true, messages: [{ role: 'user', content: text }] },
      { signal },
    );
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta?.content;
      if (content) yield content;
    }
  },
};

const responses: StreamingSdk = {
  name: 'openai',
  label: 'openai responses',
  async *stream(proxyUrl, key, model, signal, text) {
    const client = new OpenAI({ apiKey: key, baseURL: `${proxyUrl}/v1`, maxRetries: 0 });
    const stream = await client.responses.create({ model, stream: true, input: text }, { signal });
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') yield event.delta;
    }
  },
};

const anthropic: StreamingSdk = {
  name: 'anthropic',
  label: 'anthropic messages',
  async *stream(proxyUrl, key, model, signal, text) {
    const client = new Anthropic({ authToken: key, baseURL: `${proxyUrl}/anthropic`, maxRetries: 0 });
    const stream = await client.messages.create(
      { model, max_tokens: 1000, stream: true, messages: [{ role: 'user', content: text }] },
      { signal },
    );
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') yield event.delta.text;
    }
  },
};

// One proxy for the three SDKs: each protocol's block has a mock, a model and accounts of its own.
const proxy = useProxy();

describe.each([openai, responses, anthropic])('$label streams settle exactly when they end early', (sdk) => {
  let mock: MockUpstream;
  let model: string;

  beforeAll(async () => {
    // A mock of our own, so that its stats are this block's alone; it accepts only the channel's credential.
    mock = await startMockUpstream({ port: 0, host: '127.0.0.1', apiKey: CHANNEL_KEY });
    model = (await createModel({ provider: sdk.name, upstreamUrl: mock.url, channelApiKey: CHANNEL_KEY })).id;
  });

  beforeEach(() => mock.reset());

  afterAll(async () => {
    await mock?.close();
  });

  async function fundedKey() {
    const account = await createAccount({ balanceUsd: '10.00' });
    const { key } = await createApiKey(account.id);
    return { account, key };
  }

  it('an AbortController abort mid-stream aborts the upstream call and charges only what was delivered', async () => {
    const { account, key } = await fundedKey();
    const controller = new AbortController();
    let chunks = 0;
    for await (const _text of sdk.stream(proxy.url, key, model, controller.signal, PROMPT)) {
      // The client leaves here: it reads nothing more, whatever the SDK had parsed already from the same network read
      // (without the break, it may still yield the events buffered beside the 20th).
      if (++chunks === ABORT_AFTER_CHUNKS) {
        controller.abort();
        break;
      }
    }
    expect(chunks).toBe(ABORT_AFTER_CHUNKS);

    // The gateway aborted its upstream call: the mock saw its client (the gateway) go away.
    await waitFor(() => mock.stats().aborted === 1);
    expect(mock.stats()).toMatchObject({ requests: 1, aborted: 1, completed: 0, inflight: 0 });

    const db = await testDb();
    const usage = await waitFor(() => afterSettlements(() => db.usageRecord.findFirst({ where: { accountId: account.id } })));
    expect(usage).toMatchObject({ stream: true, outcome: 'client_aborted', usageEstimated: true });
    expect(usage.outputTokens).toBeGreaterThanOrEqual(ABORT_AFTER_CHUNKS);
    expect(usage.outputTokens).toBeLessThan(100);
    if (sdk.name === 'anthropic') expect(usage.inputTokens).toBe(PROMPT_WORDS); // reported in message_start
    expect(usage.costMicros).toBe(testModelCost(usage.inputTokens, usage.outputTokens));

    const books = await settledBooks(account.id);
    expect(books.balance).toBe(10_000_000n - usage.costMicros);
    expect(books.ledgerSum).toBe(books.balance);
    // On PostgreSQL the hold is a row, closed as settled; on the wallet settledBooks saw the account hold nothing.
    if (TEST_BILLING_STORE === 'postgres') {
      const reservation = await db.reservation.findUnique({ where: { generationId: usage.generationId } });
      expect(reservation).toMatchObject({ status: 'settled' });
    }
  });

  it('a client leaving before the first byte aborts the upstream call and pays nothing', async () => {
    const { account, key } = await fundedKey();
    const controller = new AbortController();
    const reading = (async () => {
      for await (const _text of sdk.stream(proxy.url, key, model, controller.signal, 'wait mock:delay_ms=30000')) break;
    })().catch((error: unknown) => error);
    await waitFor(() => mock.stats().inflight === 1);
    controller.abort();
    await reading;

    await waitFor(() => mock.stats().aborted === 1);
    const db = await testDb();
    const usage = await waitFor(() => afterSettlements(() => db.usageRecord.findFirst({ where: { accountId: account.id } })));
    expect(usage).toMatchObject({ outcome: 'client_aborted', costMicros: 0n });
    expect(await settledBooks(account.id)).toEqual({ balance: 10_000_000n, reserved: 0n, ledgerSum: 10_000_000n, openHolds: 0n });
    // On PostgreSQL the hold is a row, closed as released; on the wallet settledBooks saw the account hold nothing.
    if (TEST_BILLING_STORE === 'postgres') {
      const reservation = await db.reservation.findUnique({ where: { generationId: usage.generationId } });
      expect(reservation).toMatchObject({ status: 'released' });
    }
  });

  it('a complete stream after those settles on the provider usage and leaves no hold', async () => {
    const { account, key } = await fundedKey();
    let text = '';
    for await (const piece of sdk.stream(proxy.url, key, model, new AbortController().signal, 'short mock:output_tokens=9')) {
      text += piece;
    }
    expect(text.split(' ')).toHaveLength(9);
    expect(mock.stats()).toMatchObject({ requests: 1, completed: 1, aborted: 0 });
    const db = await testDb();
    const usage = await waitFor(() => afterSettlements(() => db.usageRecord.findFirst({ where: { accountId: account.id } })));
    expect(usage).toMatchObject({ outcome: 'completed', inputTokens: 2, outputTokens: 9, usageEstimated: false });
    const books = await settledBooks(account.id);
    expect(books.balance).toBe(10_000_000n - testModelCost(2, 9));
  });
});

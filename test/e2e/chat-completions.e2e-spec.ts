import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import OpenAI from 'openai';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { useProxy } from '../support/app-process';
import { accountBooks, testDb } from '../support/test-db';
import { afterSettlements, finishedEntries } from '../support/books';
import { demoCost, settledBooks, usageOf } from '../support/settlement';
import { mockRequestWith } from '../support/mock-control';
import { sharedMockUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

// gpt-4.1-mini: USD 0.40 / MTok input, 1.60 / MTok output upstream (the demo catalog), charged at PRICE_MARKUP 1.05.
const costOf = (input: number, output: number) => demoCost('openai/gpt-4.1-mini', { input, output });

describe('POST /v1/chat/completions (openai SDK, real PostgreSQL, Redis and mock upstream)', () => {
  const proxy = useProxy();

  const client = (apiKey: string, extra: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) =>
    new OpenAI({ apiKey, baseURL: `${proxy.url}/v1`, maxRetries: 0, ...extra });

  it('charges exactly usage x price for a completion, and the ledger sums to the balance', async () => {
    const account = await createAccount({ balanceUsd: '10.00' });
    const { key } = await createApiKey(account.id);
    // 5 words of input (the mock counts words), 40 output tokens.
    const { data, response } = await client(key)
      .chat.completions.create({
        model: 'gpt-4.1-mini',
        messages: [{ role: 'user', content: 'one two three mock:output_tokens=40 five' }],
      })
      .withResponse();

    expect(data.model).toBe('gpt-4.1-mini');
    expect(data.choices[0].message.content?.split(' ')).toHaveLength(40);
    expect(data.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 40 });
    const generationId = response.headers.get('x-chuizi-generation-id')!;
    expect(generationId).toMatch(/^gen-[0-9A-Z]{26}$/);
    expect(response.headers.get('x-request-id')).toBeTruthy();

    const usage = await usageOf(generationId);
    expect(usage).toMatchObject({ status: 200, outcome: 'completed', inputTokens: 5, outputTokens: 40, stream: false });
    expect(usage.costMicros).toBe(costOf(5, 40));
    const books = await settledBooks(account.id);
    expect(books.balance).toBe(10_000_000n - costOf(5, 40));
    expect(books.ledgerSum).toBe(books.balance);
    expect(books.openHolds).toBe(0n);

    const db = await testDb();
    const entries = await db.ledgerEntry.findMany({ where: { generationId }, orderBy: { id: 'asc' } });
    expect(entries.map((e): [string, bigint] => [e.kind, e.amountMicros])).toEqual(finishedEntries(usage.reservedMicros, costOf(5, 40)));
  });

  it('charges a stream exactly on the usage the provider reports, without sending usage the client did not ask for', async () => {
    const account = await createAccount({ balanceUsd: '10.00' });
    const { key } = await createApiKey(account.id);
    const { data: stream, response } = await client(key)
      .chat.completions.create({
        model: 'openai/gpt-4.1-mini',
        stream: true,
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'hello mock:output_tokens=12' },
        ],
      })
      .withResponse();
    let text = '';
    let sawUsage = false;
    for await (const chunk of stream) {
      expect(chunk.model).toBe('openai/gpt-4.1-mini');
      if (chunk.usage) sawUsage = true;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text.split(' ')).toHaveLength(12);
    expect(sawUsage).toBe(false);

    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    expect(usage).toMatchObject({ stream: true, outcome: 'completed', inputTokens: 4, outputTokens: 12, usageEstimated: false });
    expect(usage.costMicros).toBe(costOf(4, 12));
    const books = await settledBooks(account.id);
    expect(books.balance).toBe(10_000_000n - costOf(4, 12));
    expect(books.ledgerSum).toBe(books.balance);
  });

  it('passes the usage chunk on when the client asks for include_usage', async () => {
    const account = await createAccount();
    const { key } = await createApiKey(account.id);
    const stream = await client(key).chat.completions.create({
      model: 'gpt-4.1-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'count mock:output_tokens=3' }],
    });
    const usages = [];
    for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage);
    expect(usages).toEqual([expect.objectContaining({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 })]);
  });

  it("closes the connection after a stream when the client sent Connection: close (and keeps it alive otherwise)", async () => {
    // The stream's headers forced `connection: keep-alive`: Node then kept the socket open against the client's close.
    const { key } = await createApiKey((await createAccount()).id);
    const body = JSON.stringify({ model: 'gpt-4.1-mini', stream: true, messages: [{ role: 'user', content: 'hi mock:output_tokens=2' }] });
    const streamOver = (connection: string) =>
      new Promise<{ head: string; closedByServer: boolean; text: string }>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: Number(new URL(proxy.url).port) });
        let text = '';
        const done = (closedByServer: boolean) => {
          clearTimeout(timer);
          socket.destroy();
          resolve({ head: text.split('\r\n\r\n')[0].toLowerCase(), closedByServer, text });
        };
        // Past the stream's end: a connection kept alive is still open then.
        const timer = setTimeout(() => done(false), 3_000);
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.on('end', () => done(true));
        socket.write(
          `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: ${connection}\r\nauthorization: Bearer ${key}\r\n` +
            `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      });
    const [closing, kept] = await Promise.all([streamOver('close'), streamOver('keep-alive')]);
    expect(closing.text).toContain('data: [DONE]');
    expect(closing.head).toContain('connection: close');
    expect(closing.closedByServer).toBe(true);
    expect(kept.text).toContain('data: [DONE]');
    expect(kept.head).toContain('connection: keep-alive');
    expect(kept.closedByServer).toBe(false);
  });

  it("sends the client's own bytes upstream when it changes nothing in them, and only the fields it sets otherwise", async () => {
    const account = await createAccount();
    const { key } = await createApiKey(account.id);
    const marker = `raw-${Date.now()}-${Math.random()}`;
    // Spacing, number forms and escapes that re-serialising would rewrite (JSON.stringify writes 1, é and no spaces).
    const text = (stream: string) =>
      `{ "model" : "gpt-4.1-mini","messages" : [ { "role":"user", "content":"caf\\u00e9 \\"${marker}${stream}\\" mock:output_tokens=2" } ],` +
      `"temperature" : 1.0,"max_tokens" : 16${stream ? ',"stream":true' : ''} }`;
    const send = (body: string) =>
      fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body,
      });

    const plain = text('');
    expect((await send(plain)).status).toBe(200);
    const received = await mockRequestWith(sharedMockUrl(), `${marker}\\"`);
    expect(received?.headers['content-length']).toBe(String(Buffer.byteLength(plain)));
    expect(received?.body).toEqual(JSON.parse(plain));

    // A stream: stream_options.include_usage is added as a member of its own, the rest is the client's text.
    const streamed = text('-stream');
    const response = await send(streamed);
    expect(response.status).toBe(200);
    await response.text();
    const upstream = `{${streamed.slice(2, -1)},"stream_options":{"include_usage":true}}`;
    const receivedStream = await mockRequestWith(sharedMockUrl(), `${marker}-stream`);
    expect(receivedStream?.headers['content-length']).toBe(String(Buffer.byteLength(upstream)));
    expect(receivedStream?.body).toEqual({ ...JSON.parse(streamed), stream_options: { include_usage: true } });
  });

  describe('401 authentication_error', () => {
    const cases: [string, Record<string, string>][] = [
      ['no key', {}],
      ['a malformed key', { authorization: 'Bearer not-a-key' }],
      ['a key of the wrong length', { authorization: 'Bearer ck-abc' }],
      ['an unknown key', { authorization: 'Bearer ck-00000000000000000000000000000000' }],
      ['an unknown key in x-api-key', { 'x-api-key': 'ck-11111111111111111111111111111111' }],
    ];
    it.each(cases)('for %s', async (_name, headers) => {
      const response = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('x-chuizi-generation-id')).toMatch(/^gen-/);
      expect(await response.json()).toEqual({
        error: { message: 'Invalid API key', type: 'authentication_error', code: '401' },
      });
    });

    it('surfaces as the SDK AuthenticationError, for revoked, disabled and expired keys too', async () => {
      const account = await createAccount();
      const keys = await Promise.all([
        createApiKey(account.id, { status: 'revoked' }),
        createApiKey(account.id, { status: 'disabled' }),
        createApiKey(account.id, { expiresAt: new Date(Date.now() - 1000) }),
      ]);
      for (const { key } of keys) {
        await expect(
          client(key).chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] }),
        ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      }
    });

    it('accepts x-api-key, and Authorization wins when both are sent', async () => {
      const account = await createAccount();
      const { key } = await createApiKey(account.id);
      const body = JSON.stringify({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] });
      const viaHeader = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body,
      });
      expect(viaHeader.status).toBe(200);
      const both = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key, authorization: 'Bearer ck-22222222222222222222222222222222' },
        body,
      });
      expect(both.status).toBe(401);
    });
  });

  it('402 insufficient_quota when the balance is below the estimate: nothing reserved, no upstream call', async () => {
    // gpt-4.1-mini's estimate with max_tokens 10000 is about $0.016; the account holds $0.01.
    const account = await createAccount({ balanceUsd: '0.01' });
    const { key } = await createApiKey(account.id);
    // The mock upstream is shared with the suites running beside this one: look for this request, not at its count.
    const marker = `refused-${randomUUID()}`;
    const error = await client(key)
      .chat.completions.create({ model: 'gpt-4.1-mini', max_tokens: 10_000, messages: [{ role: 'user', content: marker }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(402);
    expect(apiError.error).toEqual({
      message: 'Insufficient balance. Current: $0.01, Required: $0.02',
      type: 'insufficient_quota',
      code: '402',
    });
    expect(await mockRequestWith(sharedMockUrl(), marker)).toBeUndefined();
    const books = await accountBooks(account.id);
    expect(books).toEqual({ balance: 10_000n, reserved: 0n, ledgerSum: 10_000n, openHolds: 0n });
    const db = await testDb();
    expect(await db.reservation.count({ where: { accountId: account.id } })).toBe(0);
    const record = await waitFor(() => afterSettlements(() => db.usageRecord.findFirst({ where: { accountId: account.id } })));
    expect(record).toMatchObject({ status: 402, outcome: 'rejected', costMicros: 0n });
  });

  it('404 not_found for an unknown model, as the SDK NotFoundError', async () => {
    const account = await createAccount();
    const { key } = await createApiKey(account.id);
    const error = await client(key)
      .chat.completions.create({ model: 'gpt-does-not-exist', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({
      message: "The model 'gpt-does-not-exist' does not exist or is not available",
      type: 'not_found',
      code: '404',
    });
    expect((await accountBooks(account.id)).balance).toBe(10_000_000n);
  });

  describe('a malformed body, refused after authentication and admission', () => {
    const malformed = (authorization: string) =>
      fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: '{"model": "gpt-4.1-mini", "messages": [',
      });

    it('400 invalid_request_error in the OpenAI format, with X-RateLimit-*, each one counted', async () => {
      const account = await createAccount();
      const { key } = await createApiKey(account.id, { rpmLimit: 10 });
      const remaining: number[] = [];
      for (let i = 0; i < 2; i++) {
        const response = await malformed(`Bearer ${key}`);
        expect(response.status).toBe(400);
        expect(await response.json()).toEqual({
          error: { message: 'Request body is not valid JSON', type: 'invalid_request_error', code: '400' },
        });
        expect(response.headers.get('x-chuizi-generation-id')).toMatch(/^gen-/);
        expect(response.headers.get('x-ratelimit-limit')).toBe('10');
        expect(response.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
        remaining.push(Number(response.headers.get('x-ratelimit-remaining')));
      }
      expect(remaining).toEqual([9, 8]);
      // An authenticated request: it has its usage record, refused.
      const db = await testDb();
      const records = await waitFor(async () => {
        const found = await afterSettlements(() => db.usageRecord.findMany({ where: { accountId: account.id } }));
        return found.length === 2 ? found : null;
      });
      expect(records.map((record) => record.status)).toEqual([400, 400]);
    });

    it('401 first for a key that is well-formed but unknown', async () => {
      const response = await malformed('Bearer ck-00000000000000000000000000000000');
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { message: 'Invalid API key', type: 'authentication_error', code: '401' } });
      expect(response.headers.get('x-ratelimit-limit')).toBeNull();
    });
  });

  it('500 server_error in the OpenAI format, never leaking internals, when the upstream answers 500', async () => {
    const account = await createAccount();
    const { key } = await createApiKey(account.id);
    const error = await client(key)
      .chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'boom mock:status=500' }] })
      .catch((e: unknown) => e);
    // An upstream 5xx is the provider's failure: 502 upstream_error (spec/errors.md), and the hold is released in full.
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    const books = await settledBooks(account.id);
    expect(books.balance).toBe(10_000_000n);
    expect(books.ledgerSum).toBe(10_000_000n);
  });
});

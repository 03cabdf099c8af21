import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { callGateway } from '../support/gateway-call';
import { sampleValue, scrape } from '../support/prometheus-text';
import { closeTestDb } from '../support/test-db';
import { sharedMockUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

const MAX_INFLIGHT = 2;

describe('load shedding: MAX_INFLIGHT_REQUESTS admitted requests per proxy instance', () => {
  let mock: MockUpstream;
  let proxy: AppProcess;
  let key: string;
  let openAiModel: string;
  let anthropicModel: string;

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0 });
    [openAiModel, anthropicModel] = await Promise.all([
      createModel({ upstreamUrl: mock.url }).then((model) => model.id),
      createModel({ provider: 'anthropic', upstreamUrl: mock.url }).then((model) => model.id),
    ]);
    proxy = await AppProcess.start('proxy', { MAX_INFLIGHT_REQUESTS: String(MAX_INFLIGHT), DEFAULT_RPM: '100000' });
    key = (await createApiKey((await createAccount({ balanceUsd: '10.00' })).id)).key;
  });

  afterAll(async () => {
    await proxy?.stop();
    await mock?.close();
    await closeTestDb();
  });

  const chat = (text: string) =>
    callGateway(`${proxy.url}/v1/chat/completions`, {
      apiKey: key,
      body: { model: openAiModel, messages: [{ role: 'user', content: text }] },
    });

  it('answers 503 with Retry-After at once past the limit, in the caller protocol format; health probes still answer', async () => {
    const slow = [chat('hold on mock:delay_ms=3000'), chat('hold on too mock:delay_ms=3000')];
    await waitFor(() => mock.stats().inflight === MAX_INFLIGHT);
    const requestsBefore = mock.stats().requests;

    const shed = await chat('one too many');
    expect(shed).toMatchObject({
      status: 503,
      retryAfter: 1,
      // An authenticated answer: the tiers as they stand (the key's DEFAULT_RPM, two taken), this one counted nowhere.
      limit: 100_000,
      remaining: 99_998,
      body: { error: { type: 'service_unavailable', code: '503', message: 'The gateway is overloaded; retry later' } },
    });
    const anthropic = await callGateway(`${proxy.url}/anthropic/v1/messages`, {
      apiKey: key,
      headers: { 'anthropic-version': '2023-06-01' },
      body: { model: anthropicModel, max_tokens: 10, messages: [{ role: 'user', content: 'me too' }] },
    });
    expect(anthropic).toMatchObject({
      status: 503,
      retryAfter: 1,
      body: { type: 'error', error: { type: 'service_unavailable', message: 'The gateway is overloaded; retry later' } },
    });
    const health = await fetch(`${proxy.url}/healthz`);
    expect(health.status).toBe(200);
    expect(mock.stats().requests).toBe(requestsBefore);

    expect((await Promise.all(slow)).map((call) => call.status)).toEqual([200, 200]);
    // The slots are free again once the slow requests are over.
    expect((await chat('back to normal')).status).toBe(200);
  });

  it('counts a stream as in flight until it ends', async () => {
    const stream = fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: openAiModel,
        stream: true,
        messages: [{ role: 'user', content: 'slowly mock:output_tokens=10 mock:chunk_delay_ms=200' }],
      }),
    });
    const other = chat('alongside mock:delay_ms=3000');
    const response = await stream;
    expect(response.status).toBe(200);
    await waitFor(() => mock.stats().inflight === MAX_INFLIGHT);
    expect((await chat('no room')).status).toBe(503);
    await response.text();
    expect((await other).status).toBe(200);
    expect((await chat('room again')).status).toBe(200);
  });
});

describe('load shedding: event-loop delay (OVERLOAD_MAX_EVENT_LOOP_DELAY_MS)', () => {
  let proxy: AppProcess;
  let key: string;
  let model: string;

  beforeAll(async () => {
    model = (await createModel({ upstreamUrl: sharedMockUrl() })).id;
    proxy = await AppProcess.start('proxy', { OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '20', DEFAULT_RPM: '100000' });
    key = (await createApiKey((await createAccount({ balanceUsd: '10.00' })).id)).key;
  });

  afterAll(async () => {
    if (proxy) process.kill(proxy.pid, 'SIGCONT');
    await proxy?.stop();
    await closeTestDb();
  });

  const chat = (text: string) =>
    callGateway(`${proxy.url}/v1/chat/completions`, {
      apiKey: key,
      body: { model, messages: [{ role: 'user', content: text }] },
    });

  it('sheds new requests with 503 and Retry-After while the event loop lags; admitted ones complete', async () => {
    // Admitted before the lag (retried if the loaded test machine made the instance shed already).
    const stream = await waitFor(async () => {
      const response = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model,
          stream: true,
          messages: [{ role: 'user', content: 'admitted mock:output_tokens=10 mock:chunk_delay_ms=200' }],
        }),
      });
      if (response.status === 200) return response;
      await response.text();
      return null;
    });

    // The event loop stands still for 2 s (as under a CPU-bound burst); a request arrives meanwhile.
    process.kill(proxy.pid, 'SIGSTOP');
    const during = chat('arrives while the instance lags');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    process.kill(proxy.pid, 'SIGCONT');

    expect(await during).toMatchObject({
      status: 503,
      retryAfter: 1,
      body: { error: { type: 'service_unavailable', message: 'The gateway is overloaded; retry later' } },
    });
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
    // The admitted stream ran to its end.
    const events = await stream.text();
    expect(events).toContain('"finish_reason":"stop"');
    expect(events.trimEnd().endsWith('data: [DONE]')).toBe(true);

    // Once the loop keeps up again, requests are admitted again.
    await waitFor(async () => (await chat('back to normal')).status === 200);
    const shed = sampleValue(await scrape(proxy.url), 'gw_shed_requests_total', { reason: 'event_loop_delay' });
    expect(shed).toBeGreaterThanOrEqual(1);
  });
});

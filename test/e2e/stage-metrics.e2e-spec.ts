import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { scrape, sampleValue } from '../support/prometheus-text';
import { closeTestDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';

const STAGES = ['context', 'authenticate', 'admit', 'resolve', 'reserve', 'relay', 'settle'];

describe('gw_stage_duration_seconds: time per stage of the request path, on the proxy /metrics', () => {
  let mock: MockUpstream;
  let proxy: AppProcess;

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0, host: '127.0.0.1' });
    proxy = await AppProcess.start('proxy');
  });

  afterAll(async () => {
    await proxy?.stop('SIGKILL');
    await mock?.close();
    await closeTestDb();
  });

  it('counts every stage of a billed chat completion once, in seconds', async () => {
    const model = await createModel({ provider: 'openai', upstreamUrl: mock.url });
    const account = await createAccount({ balanceUsd: '1.00' });
    const { key } = await createApiKey(account.id);
    const openai = new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const count = (samples: Awaited<ReturnType<typeof scrape>>, stage: string) =>
      sampleValue(samples, 'gw_stage_duration_seconds_count', { stage }) ?? 0;
    const before = await scrape(proxy.url);

    await openai.chat.completions.create({ model: model.id, messages: [{ role: 'user', content: 'hi mock:output_tokens=3' }] });

    // Settlement is timed until it is handed to billing, just after the response.
    const after = await waitFor(async () => {
      const samples = await scrape(proxy.url);
      return count(samples, 'settle') > count(before, 'settle') ? samples : null;
    });
    for (const stage of STAGES) {
      // The scrape itself passes the context stage too.
      const added = count(after, stage) - count(before, stage);
      expect({ stage, added }).toEqual({ stage, added: stage === 'context' ? expect.any(Number) : 1 });
      if (stage === 'context') expect(added).toBeGreaterThanOrEqual(1);
      const seconds = sampleValue(after, 'gw_stage_duration_seconds_sum', { stage })!;
      expect(seconds).toBeGreaterThan(0);
      expect(seconds).toBeLessThan(60);
    }
    // A native request has nothing to translate.
    expect(count(after, 'translate')).toBe(count(before, 'translate'));
  });

  it.each([false, true])('times the translation of a request to another protocol, both ways, once per request (stream %s)', async (stream) => {
    const account = await createAccount({ balanceUsd: '1.00' });
    const { key } = await createApiKey(account.id);
    const anthropic = new Anthropic({ apiKey: key, baseURL: `${proxy.url}/anthropic`, maxRetries: 0 });
    const translate = (samples: Awaited<ReturnType<typeof scrape>>) => ({
      count: sampleValue(samples, 'gw_stage_duration_seconds_count', { stage: 'translate' }) ?? 0,
      sum: sampleValue(samples, 'gw_stage_duration_seconds_sum', { stage: 'translate' }) ?? 0,
    });
    const before = translate(await scrape(proxy.url));

    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'hi mock:output_tokens=3' }];
    if (stream) await anthropic.messages.stream({ model: 'openai/gpt-4.1-mini', max_tokens: 50, messages }).finalMessage();
    else await anthropic.messages.create({ model: 'openai/gpt-4.1-mini', max_tokens: 50, messages });

    const after = translate(await scrape(proxy.url));
    expect(after.count - before.count).toBe(1);
    expect(after.sum - before.sum).toBeGreaterThan(0);
    expect(after.sum - before.sum).toBeLessThan(1);
  });
});

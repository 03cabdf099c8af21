import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { Pool } from 'undici';
import type { BenchConfig } from '../src/bench-config';
import { type BenchSeed, FREE_MODEL } from '../src/bench-database';
import { type LatencySummary, SampleBuffer, summarize } from '../src/stats';
import { type BenchRequest, chatRequest } from '../src/workload';

export interface ProbeStep {
  name: string;
  summary: LatencySummary;
}

const ROUNDS = 300;

async function timed(name: string, step: () => Promise<unknown>): Promise<ProbeStep> {
  for (let i = 0; i < 20; i++) await step();
  const samples = new SampleBuffer();
  for (let i = 0; i < ROUNDS; i++) {
    const started = process.hrtime.bigint();
    await step();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { name, summary: summarize(samples.values()) };
}

/**
 * The wall time of each awaited step on the proxy's request path, measured alone: Redis and PostgreSQL round trips,
 * the reservation function as the proxy calls it (one item, its own transaction and commit), and one request
 * straight to the mock, through the bare passthrough, and through the proxy with and without a reservation (a
 * zero-priced model). Explains added latency, which the CPU profile cannot.
 */
export async function probeCriticalPath(
  config: BenchConfig,
  seed: BenchSeed,
  urls: { upstream: string; passthrough: string; proxy: string },
): Promise<ProbeStep[]> {
  const steps: ProbeStep[] = [];
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  const pg = new Client({ connectionString: config.databaseUrl });
  await pg.connect();
  const upstream = new Pool(urls.upstream, { connections: 1 });
  const passthrough = new Pool(urls.passthrough, { connections: 1 });
  const proxy = new Pool(urls.proxy, { connections: 1 });
  try {
    steps.push(await timed('Redis round trip (ioredis PING)', () => redis.ping()));
    steps.push(await timed('PostgreSQL round trip (SELECT 1)', () => pg.query('SELECT 1')));

    const { rows } = await pg.query<{ id: string }>('SELECT id FROM api_keys WHERE account_id = $1 LIMIT 1', [seed.accountId]);
    const keyId = rows[0].id;
    const reserveSamples = new SampleBuffer();
    const settleSamples = new SampleBuffer();
    for (let i = 0; i < ROUNDS + 20; i++) {
      const generationId = `probe-${randomUUID()}`;
      const hold = [{ generation_id: generationId, key_id: keyId, model_id: 'openai/gpt-4.1-mini', amount_micros: '100' }];
      const release = [{ generation_id: generationId, cost_micros: '0', closed_by: 'release', usage: null }];
      const reserveStart = process.hrtime.bigint();
      await pg.query('SELECT * FROM gw_reserve($1::uuid, $2::jsonb, $3)', [seed.accountId, JSON.stringify(hold), 'probe']);
      const settleStart = process.hrtime.bigint();
      await pg.query('SELECT * FROM gw_settle($1::uuid, $2::jsonb)', [seed.accountId, JSON.stringify(release)]);
      const settleEnd = process.hrtime.bigint();
      if (i < 20) continue; // warm-up
      reserveSamples.push(Number(settleStart - reserveStart) / 1e6);
      settleSamples.push(Number(settleEnd - settleStart) / 1e6);
    }
    steps.push({ name: 'gw_reserve, 1 item (row lock, 2 inserts, commit)', summary: summarize(reserveSamples.values()) });
    steps.push({ name: 'gw_settle (release), 1 item (commit)', summary: summarize(settleSamples.values()) });

    const paid = chatRequest(seed.apiKey, config.outputTokens, false, {}, undefined, config.promptWords);
    const free = chatRequest(seed.apiKey, config.outputTokens, false, {}, FREE_MODEL, config.promptWords);
    const send = async (pool: Pool, request: BenchRequest) => {
      const response = await pool.request({ method: 'POST', path: request.path, headers: request.headers, body: request.body });
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`probe request answered ${response.statusCode}`);
    };
    steps.push(await timed('chat completion, mock upstream direct', () => send(upstream, paid)));
    steps.push(await timed('chat completion through the bare passthrough', () => send(passthrough, paid)));
    steps.push(await timed('chat completion through the proxy', () => send(proxy, paid)));
    steps.push(await timed('chat completion through the proxy, zero-priced model (no reservation)', () => send(proxy, free)));
  } finally {
    redis.disconnect();
    await pg.end();
    await Promise.all([upstream.close(), passthrough.close(), proxy.close()]);
  }
  return steps;
}

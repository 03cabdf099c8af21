/**
 * The translate stage as the running proxy measures it: `gw_stage_duration_seconds{stage="translate"}` (both ways of a
 * translated request, over the whole stream, once per request), in microseconds per request, for translated requests
 * of each client protocol, streamed and not, against the mock upstream. One client at a time: the figure is the
 * translation's own CPU, not queueing behind other requests.
 *
 *   GW_DIST_DIR=dist-x BENCH_DATABASE_URL=… BENCH_REDIS_PREFIX=… BENCH_RESULTS_DIR=… \
 *     npm run build && npx swc bench -d ${GW_DIST_DIR:-dist} --quiet --ignore "**\/*.spec.ts" && node ${GW_DIST_DIR:-dist}/bench/translate-stage.js
 *
 * BENCH_TRANSLATE_REQUESTS (default 400) requests per row, after a quarter of them as warm-up; the streams carry
 * BENCH_OUTPUT_TOKENS content events (default 120, as in the streaming scenario). Writes translate-stage.md to the
 * results directory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBenchConfig } from './src/bench-config';
import type { ChildApp } from './src/child-app';
import { loadAverage, machineInfo } from './src/machine-info';
import { startProxyAlone } from './src/targets';
import { StageWindowProbe } from './profile/stage-timing';

const REQUESTS = Number(process.env.BENCH_TRANSLATE_REQUESTS ?? 400);

interface Row {
  label: string;
  path: string;
  headers: (key: string) => Record<string, string>;
  body: (outputTokens: number) => unknown;
  stream: boolean;
}

const PROMPT = 'You are a careful assistant. Summarise the build log below in two sentences and name the failing step.';
const openAi = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
const anthropic = (key: string) => ({ 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
const gemini = (key: string) => ({ 'x-goog-api-key': key, 'content-type': 'application/json' });

const chat = (model: string, stream: boolean) => (tokens: number) => ({
  model,
  stream,
  ...(stream ? { stream_options: { include_usage: true } } : {}),
  max_tokens: 1_000,
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: `${PROMPT} mock:output_tokens=${tokens}` },
  ],
});
const messages = (model: string, stream: boolean) => (tokens: number) => ({
  model,
  stream,
  max_tokens: 1_000,
  system: 'Be brief.',
  messages: [{ role: 'user', content: `${PROMPT} mock:output_tokens=${tokens}` }],
});
const contents = (tokens: number) => ({
  systemInstruction: { parts: [{ text: 'Be brief.' }] },
  contents: [{ role: 'user', parts: [{ text: `${PROMPT} mock:output_tokens=${tokens}` }] }],
  generationConfig: { maxOutputTokens: 1_000 },
});

const ROWS: Row[] = [
  { label: 'OpenAI chat -> anthropic/claude-haiku-4-5', path: '/v1/chat/completions', headers: openAi, body: chat('anthropic/claude-haiku-4-5', false), stream: false },
  { label: 'OpenAI chat -> anthropic/claude-haiku-4-5', path: '/v1/chat/completions', headers: openAi, body: chat('anthropic/claude-haiku-4-5', true), stream: true },
  { label: 'Anthropic -> openai/gpt-4.1-mini', path: '/anthropic/v1/messages', headers: anthropic, body: messages('openai/gpt-4.1-mini', false), stream: false },
  { label: 'Anthropic -> openai/gpt-4.1-mini', path: '/anthropic/v1/messages', headers: anthropic, body: messages('openai/gpt-4.1-mini', true), stream: true },
  { label: 'Gemini -> anthropic/claude-haiku-4-5', path: '/gemini/v1beta/models/anthropic/claude-haiku-4-5:generateContent', headers: gemini, body: contents, stream: false },
  { label: 'Gemini -> anthropic/claude-haiku-4-5', path: '/gemini/v1beta/models/anthropic/claude-haiku-4-5:streamGenerateContent?alt=sse', headers: gemini, body: contents, stream: true },
];

async function send(baseUrl: string, row: Row, key: string, outputTokens: number): Promise<void> {
  const response = await fetch(`${baseUrl}${row.path}`, { method: 'POST', headers: row.headers(key), body: JSON.stringify(row.body(outputTokens)) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${row.label}: ${response.status} ${text.slice(0, 300)}`);
}

async function main(): Promise<void> {
  const config = loadBenchConfig();
  const apps: ChildApp[] = [];
  try {
    const { proxy, apiKey } = await startProxyAlone(config, apps);
    const machine = await machineInfo(config.rootDir, config.databaseUrl, config.redisUrl);
    const lines = [
      '# Translate stage cost',
      '',
      `${new Date().toISOString()}; ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}; commit ${machine.commit}; ` +
        `load average ${loadAverage().toFixed(2)} at start; ${REQUESTS} requests per row, one at a time, after ${REQUESTS / 4} warm-up; ` +
        `streams of ${config.outputTokens} content events; billing store ${config.billingStore}.`,
      '',
      '`gw_stage_duration_seconds{stage="translate"}` from two scrapes of the proxy\'s /metrics around each row: the',
      'translation of the request and of the answer (every event of a stream), once per request.',
      '',
      '| client -> model | stream | requests | translate µs/request | translate share of the stage time |',
      '|---|---|---|---|---|',
    ];
    for (const row of ROWS) {
      const tokens = row.stream ? config.outputTokens : 16;
      for (let i = 0; i < REQUESTS / 4; i++) await send(proxy.url, row, apiKey, tokens);
      const probe = await StageWindowProbe.open(proxy.url);
      for (let i = 0; i < REQUESTS; i++) await send(proxy.url, row, apiKey, tokens);
      const timing = await probe.close();
      if ('missing' in timing) throw new Error(timing.missing);
      const translate = timing.rows.find((r) => r.stage === 'translate');
      if (!translate) throw new Error(`${row.label}: no translate stage observed`);
      const line = `| ${row.label} | ${row.stream ? 'yes' : 'no'} | ${translate.requests} | ${translate.meanUs.toFixed(0)} | ${(translate.share * 100).toFixed(1)}% |`;
      lines.push(line);
      console.log(line);
    }
    mkdirSync(config.resultsDir, { recursive: true });
    writeFileSync(join(config.resultsDir, 'translate-stage.md'), `${lines.join('\n')}\n`);
  } finally {
    for (const app of apps.reverse()) await app.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

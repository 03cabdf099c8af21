/**
 * How long one large translated request holds the proxy's event loop: while a ~11 MB body goes through the proxy
 * (translated to another provider's protocol, or natively for comparison), a prober sends `GET /healthz` one after
 * another over one keep-alive connection; the longest probe (and the sum of the probes' time over their quiet
 * median) is what every other request on the instance waited. Non-streaming, one big request at a time.
 *
 *   GW_DIST_DIR=dist-x BENCH_DATABASE_URL=… BENCH_REDIS_PREFIX=… \
 *     npx swc bench -d ${GW_DIST_DIR:-dist} --quiet --ignore "**\/*.spec.ts" && node ${GW_DIST_DIR:-dist}/bench/translate-stall.js
 *
 * BENCH_STALL_RUNS (default 5) big requests per row, after one warm-up; BENCH_STALL_MB (default 11) body size;
 * BENCH_STALL_SHAPE `turns` (default: ~5 KB prose turns) or `tools` (an agent's tool calls and ~300-byte results);
 * BENCH_STALL_ROWS: labels (comma-separated substrings) to run a subset. Prints one line per row (medians over runs).
 */
import { request as httpRequest, Agent } from 'node:http';
import { loadBenchConfig } from './src/bench-config';
import type { ChildApp } from './src/child-app';
import { loadAverage } from './src/machine-info';
import { startProxyAlone } from './src/targets';

const RUNS = Number(process.env.BENCH_STALL_RUNS ?? 5);
const TARGET_BYTES = Number(process.env.BENCH_STALL_MB ?? 11) * 1_000_000;
const ONLY = (process.env.BENCH_STALL_ROWS ?? '').split(',').filter(Boolean);
/** `turns`: long prose turns; `tools`: an agent's many small tool calls and results (the costliest to translate). */
const SHAPE = process.env.BENCH_STALL_SHAPE === 'tools' ? 'tools' : 'turns';

interface Row {
  label: string;
  path: string;
  headers: (key: string) => Record<string, string>;
  body: Buffer;
}

const openAi = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
const anthropic = (key: string) => ({ 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
const gemini = (key: string) => ({ 'x-goog-api-key': key, 'content-type': 'application/json' });

/** A long agent conversation: turns of ~5 KB of prose each, until the body reaches the target size. */
function turns(): string[] {
  const words = 'the build step failed because the linker could not find symbol in module after the cache was cleared and'.split(' ');
  const out: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < TARGET_BYTES; i++) {
    let text = `Turn ${i}:`;
    for (let w = 0; text.length < 5_000; w++) text += ` ${words[(i + w) % words.length]}`;
    out.push(text);
    bytes += text.length + 40;
  }
  // The last turn is the user's, with the mock's marker for a short answer.
  if (out.length % 2 === 0) out.pop();
  out[out.length - 1] += ' mock:output_tokens=16';
  return out;
}

/** Tool calls, each with its ~300-byte result, until the body reaches the target size; a user turn to close. */
const CALLS = Math.floor(TARGET_BYTES / 520);
const RESULT = 'export const x = 1;\n'.repeat(15);
const callArgs = (i: number) => ({ path: `/src/module${i}/file${i}.ts` });

const toolChat = (model: string) =>
  Buffer.from(
    JSON.stringify({
      model,
      max_tokens: 1_000,
      tools: [{ type: 'function', function: { name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } } }],
      messages: [
        { role: 'user', content: 'Read the files.' },
        ...Array.from({ length: CALLS }, (_, i) => [
          { role: 'assistant', content: null, tool_calls: [{ id: `call_${i}`, type: 'function', function: { name: 'read_file', arguments: JSON.stringify(callArgs(i)) } }] },
          { role: 'tool', tool_call_id: `call_${i}`, content: RESULT },
        ]).flat(),
        { role: 'user', content: 'Summarise. mock:output_tokens=16' },
      ],
    }),
  );
const toolMessages = (model: string) =>
  Buffer.from(
    JSON.stringify({
      model,
      max_tokens: 1_000,
      tools: [{ name: 'read_file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
      messages: [
        { role: 'user', content: 'Read the files.' },
        ...Array.from({ length: CALLS }, (_, i) => [
          { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'read_file', input: callArgs(i) }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: RESULT }] },
        ]).flat(),
        { role: 'user', content: 'Summarise. mock:output_tokens=16' },
      ],
    }),
  );
const toolContents = () =>
  Buffer.from(
    JSON.stringify({
      tools: [{ functionDeclarations: [{ name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } }] }],
      contents: [
        { role: 'user', parts: [{ text: 'Read the files.' }] },
        ...Array.from({ length: CALLS }, (_, i) => [
          { role: 'model', parts: [{ functionCall: { name: 'read_file', args: callArgs(i) } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'read_file', response: { content: RESULT } } }] },
        ]).flat(),
        { role: 'user', parts: [{ text: 'Summarise. mock:output_tokens=16' }] },
      ],
      generationConfig: { maxOutputTokens: 1_000 },
    }),
  );

const chat = (model: string, texts: string[]) =>
  Buffer.from(
    JSON.stringify({
      model,
      max_tokens: 1_000,
      messages: [{ role: 'system', content: 'Be brief.' }, ...texts.map((content, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content }))],
    }),
  );
const messages = (model: string, texts: string[]) =>
  Buffer.from(
    JSON.stringify({
      model,
      max_tokens: 1_000,
      system: 'Be brief.',
      messages: texts.map((content, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content })),
    }),
  );
const contents = (texts: string[]) =>
  Buffer.from(
    JSON.stringify({
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: texts.map((text, i) => ({ role: i % 2 === 0 ? 'user' : 'model', parts: [{ text }] })),
      generationConfig: { maxOutputTokens: 1_000 },
    }),
  );

function rows(): Row[] {
  const texts = SHAPE === 'turns' ? turns() : [];
  const chat_ = (model: string) => (SHAPE === 'turns' ? chat(model, texts) : toolChat(model));
  const messages_ = (model: string) => (SHAPE === 'turns' ? messages(model, texts) : toolMessages(model));
  const contents_ = () => (SHAPE === 'turns' ? contents(texts) : toolContents());
  const all: Row[] = [
    { label: 'OpenAI chat -> openai/gpt-4.1-mini (native)', path: '/v1/chat/completions', headers: openAi, body: chat_('openai/gpt-4.1-mini') },
    { label: 'OpenAI chat -> anthropic/claude-haiku-4-5', path: '/v1/chat/completions', headers: openAi, body: chat_('anthropic/claude-haiku-4-5') },
    { label: 'OpenAI chat -> google/gemini-2.5-flash', path: '/v1/chat/completions', headers: openAi, body: chat_('google/gemini-2.5-flash') },
    { label: 'Anthropic -> anthropic/claude-haiku-4-5 (native)', path: '/anthropic/v1/messages', headers: anthropic, body: messages_('anthropic/claude-haiku-4-5') },
    { label: 'Anthropic -> openai/gpt-4.1-mini', path: '/anthropic/v1/messages', headers: anthropic, body: messages_('openai/gpt-4.1-mini') },
    { label: 'Gemini -> google/gemini-2.5-flash (native)', path: '/gemini/v1beta/models/google/gemini-2.5-flash:generateContent', headers: gemini, body: contents_() },
    { label: 'Gemini -> anthropic/claude-haiku-4-5', path: '/gemini/v1beta/models/anthropic/claude-haiku-4-5:generateContent', headers: gemini, body: contents_() },
  ];
  return ONLY.length === 0 ? all : all.filter((row) => ONLY.some((part) => row.label.includes(part)));
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function send(baseUrl: string, path: string, method: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${baseUrl}${path}`, { method, headers: body ? { ...headers, 'content-length': String(body.length) } : headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Probes /healthz back to back until `done` settles; the probes' latencies in ms. */
async function probe(baseUrl: string, done: Promise<unknown>): Promise<number[]> {
  let finished = false;
  void done.finally(() => (finished = true));
  const latencies: number[] = [];
  while (!finished) {
    const started = process.hrtime.bigint();
    await send(baseUrl, '/healthz', 'GET', {});
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return latencies;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)];
};

async function main(): Promise<void> {
  const config = loadBenchConfig();
  const apps: ChildApp[] = [];
  try {
    const { proxy, apiKey } = await startProxyAlone(config, apps, process.env.BENCH_STALL_NODE_FLAGS?.split(' ').filter(Boolean));
    const quiet: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = process.hrtime.bigint();
      await send(proxy.url, '/healthz', 'GET', {});
      quiet.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const baseline = median(quiet.slice(50));
    console.log(`${SHAPE} bodies; load average ${loadAverage().toFixed(2)}; quiet /healthz median ${baseline.toFixed(2)} ms; ${RUNS} runs per row after 1 warm-up`);
    console.log('| request | body MB | total ms | longest probe ms | probe time over quiet ms |');
    console.log('|---|---:|---:|---:|---:|');
    for (const row of rows()) {
      const totals: number[] = [];
      const longest: number[] = [];
      const excess: number[] = [];
      for (let run = 0; run <= RUNS; run++) {
        const started = process.hrtime.bigint();
        const big = send(proxy.url, row.path, 'POST', row.headers(apiKey), row.body);
        const probes = await probe(proxy.url, big);
        const answer = await big;
        const total = Number(process.hrtime.bigint() - started) / 1e6;
        if (answer.status !== 200) throw new Error(`${row.label}: ${answer.status} ${answer.text.slice(0, 300)}`);
        if (run === 0) continue;
        totals.push(total);
        longest.push(Math.max(0, ...probes));
        excess.push(probes.reduce((sum, ms) => sum + Math.max(0, ms - baseline), 0));
      }
      console.log(
        `| ${row.label} | ${(row.body.length / 1e6).toFixed(1)} | ${median(totals).toFixed(0)} | ${median(longest).toFixed(0)} ` +
          `(${longest.map((ms) => ms.toFixed(0)).join(', ')}) | ${median(excess).toFixed(0)} |`,
      );
    }
  } finally {
    agent.destroy();
    for (const app of apps.reverse()) await app.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

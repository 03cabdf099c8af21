/**
 * The translation layer alone (libs/translate): microseconds per typical request, per typical answer and per stream
 * event, for every client protocol and every provider protocol, in one process, no I/O. What the proxy adds on a
 * translated request is this plus the JSON.stringify of the translated body (shown beside it for scale).
 *
 *   npm run build && npx swc bench/translate-micro.ts -d ${GW_DIST_DIR:-dist} --quiet && node ${GW_DIST_DIR:-dist}/bench/translate-micro.js
 *
 * BENCH_TRANSLATE_MS (default 1000) is the measured time per row, after a fifth of it as warm-up. Writes the table to
 * bench/results/translate-micro.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  ChatRequest,
  ChatResponse,
  ClientProtocol,
  createStreamTranslator,
  encodeRequest,
  encodeResponse,
  ProviderProtocol,
  SseEvent,
  translateRequest,
  translateResponse,
} from '@gw/translate';

const ROOT = join(__dirname, '..', '..');
const MS = Number(process.env.BENCH_TRANSLATE_MS ?? 1000);
const CLIENTS: ClientProtocol[] = ['openai-chat', 'openai-responses', 'anthropic', 'gemini'];
const PROVIDERS: ProviderProtocol[] = ['openai-chat', 'anthropic', 'gemini'];
const MODEL: Record<ProviderProtocol, string> = { 'openai-chat': 'gpt-4.1-mini', anthropic: 'claude-sonnet-4-6', gemini: 'gemini-2.5-flash' };

const words = (n: number) => Array.from({ length: n }, (_, i) => ['the', 'build', 'failed', 'because', 'of', 'a', 'missing', 'import', 'in'][i % 9]).join(' ');
const schema = (fields: string[]) => ({ type: 'object', properties: Object.fromEntries(fields.map((f) => [f, { type: 'string', description: `The ${f}` }])), required: fields });

/**
 * A typical agent turn: a 400-word system prompt, four tools, six exchanges with tool calls and 300-word results,
 * and one screenshot (48 KB of base64, passed by reference).
 */
function typicalRequest(): ChatRequest {
  const messages: ChatRequest['messages'] = [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'The tests fail on main. Find out why and fix it.' },
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo'.padEnd(48 * 1024, 'A') } },
      ],
    },
  ];
  for (let i = 0; i < 6; i++) {
    const id = `call_${i}abcdefghij`;
    messages.push({ role: 'assistant', content: [{ type: 'text', text: words(30) }, { type: 'tool_call', id, name: 'read_file', arguments: JSON.stringify({ path: `src/module-${i}.ts` }) }] });
    messages.push({ role: 'tool', content: [{ type: 'tool_result', toolCallId: id, content: [{ type: 'text', text: words(300) }], isError: false }] });
  }
  messages.push({ role: 'user', content: [{ type: 'text', text: 'Go on.' }] });
  return {
    system: [{ type: 'text', text: words(400) }],
    messages,
    tools: ['read_file', 'write_file', 'run_tests', 'search'].map((name) => ({ name, description: `${name} in the workspace`, parameters: schema(['path', 'content', 'pattern']) })),
    toolChoice: { type: 'auto' },
    maxOutputTokens: 4096,
    temperature: 0.2,
    stream: false,
  };
}

function typicalAnswer(): ChatResponse {
  return {
    id: 'answer1',
    model: 'model',
    content: [
      { type: 'text', text: words(120) },
      { type: 'tool_call', id: 'call_x', name: 'write_file', arguments: JSON.stringify({ path: 'src/module-3.ts', content: words(40) }) },
    ],
    stopReason: 'tool_use',
    usage: { inputTokens: 9000, cachedInputTokens: 6000, cacheWriteTokens: 0, outputTokens: 350, reasoningTokens: 0 },
  };
}

/** The Responses API form of a request (no encoder exists: the gateway never sends this protocol). */
function responsesBody(request: ChatRequest): object {
  const input: object[] = [];
  for (const message of request.messages) {
    for (const part of message.content) {
      if (message.role === 'user') {
        input.push({
          role: 'user',
          content: [
            part.type === 'text'
              ? { type: 'input_text', text: part.text }
              : { type: 'input_image', detail: 'auto', image_url: part.type === 'image' && part.source.kind === 'base64' ? `data:${part.source.mediaType};base64,${part.source.data}` : '' },
          ],
        });
      } else if (part.type === 'text') input.push({ role: 'assistant', content: part.text });
      else if (part.type === 'tool_call') input.push({ type: 'function_call', call_id: part.id, name: part.name, arguments: part.arguments });
      else if (part.type === 'tool_result') input.push({ type: 'function_call_output', call_id: part.toolCallId, output: (part.content[0] as { text: string }).text });
    }
  }
  return {
    model: 'x',
    instructions: request.system[0].text,
    input,
    tools: request.tools.map((t) => ({ type: 'function', name: t.name, description: t.description, parameters: t.parameters, strict: false })),
    tool_choice: 'auto',
    max_output_tokens: request.maxOutputTokens,
    temperature: request.temperature,
  };
}

function clientBody(client: ClientProtocol, request: ChatRequest): unknown {
  if (client === 'openai-responses') return JSON.parse(JSON.stringify(responsesBody(request)));
  const body = encodeRequest(client, request, { source: client, target: client, dropped: [], model: 'x', modelMaxOutputTokens: 4096 });
  return JSON.parse(JSON.stringify(body));
}

/** A stream of 200 text deltas of about 20 characters, as each provider sends it. */
function providerStream(provider: ProviderProtocol): SseEvent[] {
  const delta = 'the build failed be ';
  const events: SseEvent[] = [];
  if (provider === 'openai-chat') {
    const chunk = (d: object, finish: string | null = null) => ({ data: JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt', choices: [{ index: 0, delta: d, finish_reason: finish }] }) });
    events.push(chunk({ role: 'assistant', content: '' }));
    for (let i = 0; i < 200; i++) events.push(chunk({ content: delta }));
    events.push(chunk({}, 'stop'), { data: JSON.stringify({ id: 'chatcmpl-1', choices: [], usage: { prompt_tokens: 900, completion_tokens: 800, total_tokens: 1700 } }) }, { data: '[DONE]' });
  } else if (provider === 'anthropic') {
    const event = (data: { type: string; [k: string]: unknown }) => ({ event: data.type, data: JSON.stringify(data) });
    events.push(event({ type: 'message_start', message: { id: 'msg_1', model: 'claude', usage: { input_tokens: 900, output_tokens: 1 } } }));
    events.push(event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
    for (let i = 0; i < 200; i++) events.push(event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: delta } }));
    events.push(event({ type: 'content_block_stop', index: 0 }), event({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 800 } }), event({ type: 'message_stop' }));
  } else {
    const chunk = (extra: object = {}) => ({
      data: JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: delta }] }, index: 0, ...extra }], usageMetadata: { promptTokenCount: 900 }, modelVersion: 'gemini', responseId: 'r1' }),
    });
    for (let i = 0; i < 199; i++) events.push(chunk());
    events.push(chunk({ finishReason: 'STOP' }));
  }
  return events;
}

/** Mean microseconds per call of `run` (which does `count` operations), over MS milliseconds after a warm-up. */
function measure(run: () => void, count = 1): number {
  const until = (ms: number) => {
    let calls = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(Math.round(ms * 1e6));
    let now = start;
    while (now < end) {
      run();
      calls++;
      now = process.hrtime.bigint();
    }
    return Number(now - start) / 1000 / (calls * count);
  };
  until(MS / 5);
  return until(MS);
}

const fmt = (us: number) => (us < 10 ? us.toFixed(2) : us.toFixed(1));

function main(): void {
  const [loadBefore] = loadavg();
  const request = typicalRequest();
  const answer = typicalAnswer();
  const lines: string[] = [];
  const requestRows: string[] = [];
  for (const client of CLIENTS) {
    const body = clientBody(client, request);
    const bytes = JSON.stringify(body).length;
    for (const provider of PROVIDERS) {
      const options = { model: MODEL[provider], modelMaxOutputTokens: 64_000 };
      const translateUs = measure(() => translateRequest(client, provider, body, options));
      const translated = translateRequest(client, provider, body, options).body;
      const stringifyUs = measure(() => JSON.stringify(translated));
      requestRows.push(`| ${client} | ${provider} | ${Math.round(bytes / 1024)} KB | ${fmt(translateUs)} | ${fmt(stringifyUs)} |`);
    }
  }
  const answerRows: string[] = [];
  const streamRows: string[] = [];
  for (const provider of PROVIDERS) {
    const providerAnswer = JSON.parse(JSON.stringify(encodeResponse(provider, answer, { model: MODEL[provider] }))) as unknown;
    const events = providerStream(provider);
    for (const client of CLIENTS) {
      const options = { model: 'client-model' };
      answerRows.push(`| ${provider} | ${client} | ${fmt(measure(() => translateResponse(provider, client, providerAnswer, options)))} |`);
      const perEvent = measure(() => {
        const translator = createStreamTranslator(provider, client, { model: 'client-model', includeUsage: true });
        for (const event of events) translator.push(event);
      }, events.length);
      streamRows.push(`| ${provider} | ${client} | ${fmt(perEvent)} |`);
    }
  }
  lines.push(
    '# Translation layer micro-benchmark (libs/translate)',
    '',
    `Run ${new Date().toISOString()} by bench/translate-micro.ts: ${MS} ms per row after ${MS / 5} ms of warm-up, one process, no I/O. Mean microseconds per operation.`,
    '',
    '## Requests',
    '',
    'A typical agent turn: 400-word system prompt, 4 tools, 6 exchanges with tool calls and 300-word results, one 48 KB base64 screenshot (carried by reference). `translate` is translateRequest (decode + checks + encode, from the parsed client body); `stringify` is JSON.stringify of the translated body, which the proxy does anyway to send it.',
    '',
    '| client | provider | client body | translate µs | stringify µs |',
    '|---|---|---:|---:|---:|',
    ...requestRows,
    '',
    '## Answers',
    '',
    'A 120-word answer and a tool call, with usage: translateResponse from the parsed provider body to the client body.',
    '',
    '| provider | client | µs per answer |',
    '|---|---|---:|',
    ...answerRows,
    '',
    '## Streams',
    '',
    'A stream of 200 text deltas of 20 characters (plus its start and end events): a new StreamTranslator per stream, µs per provider event (SSE event in, client SSE text out).',
    '',
    '| provider | client | µs per event |',
    '|---|---|---:|',
    ...streamRows,
    '',
    `Machine: ${cpus().length} x ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}. 1-minute load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after (shared machine: indicative figures).`,
    '',
  );
  const report = lines.join('\n');
  writeFileSync(join(ROOT, 'bench', 'results', 'translate-micro.md'), report);
  process.stdout.write(report);
}

main();

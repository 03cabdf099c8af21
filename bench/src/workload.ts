import { replyText } from '../../apps/mock-upstream/src/mock-text';

export const CHAT_PATH = '/v1/chat/completions';
/** An alias of the demo catalog; the mock answers whatever model it is sent. */
export const BENCH_MODEL = 'gpt-4.1-mini';

// A plausible short chat turn (~60 words), so that the proxy's body validation and token estimate do real work.
const SYSTEM_PROMPT = 'You are a concise assistant for a software company. Answer in plain English, in one short paragraph.';
const USER_PROMPT =
  'Our team runs a small web service behind a load balancer. Requests sometimes take longer than usual in the ' +
  'afternoon. What are the first three things we should measure before changing any code?';

/** One request as every target receives it: same path, same body, same key (plus whatever a target needs routed). */
export interface BenchRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
  stream: boolean;
}

// Padding for agent-sized prompts (BENCH_PROMPT_WORDS): code-like text, so that the tokenizer does realistic work.
const FILLER = 'function handle(request) { const body = JSON.parse(request.body); return body.items.map((item) => item.id); }';

/** The user message with about `words` words in total (0 = the short prompt as it is). */
function userPrompt(words: number): string {
  if (words <= 0) return USER_PROMPT;
  const filler = FILLER.split(' ');
  const padding: string[] = [];
  const missing = words - USER_PROMPT.split(' ').length - SYSTEM_PROMPT.split(' ').length;
  for (let i = 0; i < missing; i++) padding.push(filler[i % filler.length]);
  return `${padding.join(' ')}\n\n${USER_PROMPT}`;
}

/** `chunkDelayMs` > 0 asks the mock to pause that long between stream frames (`mock:chunk_delay_ms`). */
export function chatBody(outputTokens: number, stream: boolean, model = BENCH_MODEL, promptWords = 0, chunkDelayMs = 0): string {
  const pacing = chunkDelayMs > 0 ? ` mock:chunk_delay_ms=${chunkDelayMs}` : '';
  return JSON.stringify({
    model,
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: `${userPrompt(promptWords)}${pacing} mock:output_tokens=${outputTokens}` },
    ],
    max_tokens: outputTokens * 4,
    temperature: 0.2,
    ...(stream ? { stream: true } : {}),
  });
}

export function chatRequest(
  apiKey: string,
  outputTokens: number,
  stream: boolean,
  extraHeaders: Record<string, string>,
  model = BENCH_MODEL,
  promptWords = 0,
  chunkDelayMs = 0,
): BenchRequest {
  return {
    method: 'POST',
    path: CHAT_PATH,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...extraHeaders },
    body: chatBody(outputTokens, stream, model, promptWords, chunkDelayMs),
    stream,
  };
}

/** What opens every content chunk of a chat completion stream, as the mock and every target write it. */
export const CONTENT_CHUNK_MARKER = '"delta":{"content":"';

function occurrences(haystack: string, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}

/**
 * Whether a response body is the complete answer the mock produced: for JSON, the whole reply text and the reported
 * usage; for a stream, exactly `outputTokens` content chunks and the closing `[DONE]`. String checks, not JSON
 * parsing, so that verifying every response costs the load generator little.
 */
export function responseVerifier(outputTokens: number, stream: boolean): (body: string) => boolean {
  if (stream) {
    return (body) => occurrences(body, CONTENT_CHUNK_MARKER) === outputTokens && body.includes('data: [DONE]');
  }
  const content = `"content":${JSON.stringify(replyText(outputTokens))}`;
  const usage = `"completion_tokens":${outputTokens}`;
  return (body) => body.includes(content) && body.includes(usage) && body.includes('"finish_reason":"stop"');
}

import { countAnthropicTokens, countOpenAiTokens } from '../token-counters';

// Per-message framing tokens (role markers, separators) and the reply primer, as OpenAI documents for chat models;
// used for Anthropic too as a small conservative allowance.
const TOKENS_PER_MESSAGE = 4;
const REPLY_PRIMER_TOKENS = 3;
/** An image costs at most about 1,105 tokens at OpenAI's high detail and 1,600 at Anthropic: hold the larger. */
const TOKENS_PER_IMAGE = 1_600;
/** Base64 payloads (audio, PDF) are held at one token per 4 encoded characters: far above what providers charge. */
const BASE64_CHARS_PER_TOKEN = 4;

type Json = unknown;
const isObject = (v: Json): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects the text of a request and counts what is not text (images, files) as fixed allowances. */
class TextCollector {
  readonly parts: string[] = [];
  extraTokens = 0;

  text(value: unknown): void {
    if (typeof value === 'string' && value.length > 0) this.parts.push(value);
  }

  json(value: unknown): void {
    if (value !== undefined && value !== null) this.parts.push(JSON.stringify(value));
  }

  base64(value: unknown): void {
    if (typeof value === 'string') this.extraTokens += Math.ceil(value.length / BASE64_CHARS_PER_TOKEN);
  }
}

function openAiContent(collector: TextCollector, content: Json): void {
  if (typeof content === 'string') return collector.text(content);
  if (!Array.isArray(content)) return;
  for (const part of content) {
    if (!isObject(part)) continue;
    if (part.type === 'text') collector.text(part.text);
    else if (part.type === 'image_url') collector.extraTokens += TOKENS_PER_IMAGE;
    else if (part.type === 'input_audio' && isObject(part.input_audio)) collector.base64(part.input_audio.data);
    else if (part.type === 'file' && isObject(part.file)) collector.base64(part.file.file_data);
    else collector.json(part);
  }
}

/** Input tokens of an OpenAI chat completion request, counted with the o200k tokenizer. */
export function openAiChatInputTokens(body: Record<string, unknown>): number {
  const collector = new TextCollector();
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    if (!isObject(message)) continue;
    collector.extraTokens += TOKENS_PER_MESSAGE;
    collector.text(message.name);
    openAiContent(collector, message.content);
    if (Array.isArray(message.tool_calls)) collector.json(message.tool_calls);
    if (isObject(message.function_call)) collector.json(message.function_call);
  }
  collector.json(body.tools);
  collector.json(body.functions);
  if (isObject(body.response_format) && body.response_format.type === 'json_schema') collector.json(body.response_format);
  return countOpenAiTokens(collector.parts.join('\n')) + collector.extraTokens + REPLY_PRIMER_TOKENS;
}

/** Input tokens of an OpenAI embeddings request (text, or pre-tokenised arrays). */
export function openAiEmbeddingInputTokens(body: Record<string, unknown>): number {
  const input = body.input;
  if (typeof input === 'string') return countOpenAiTokens(input);
  if (!Array.isArray(input)) return 0;
  let total = 0;
  for (const item of input) {
    if (typeof item === 'string') total += countOpenAiTokens(item);
    else if (typeof item === 'number') total += 1;
    else if (Array.isArray(item)) total += item.length;
  }
  return total;
}

function anthropicBlocks(collector: TextCollector, content: Json): void {
  if (typeof content === 'string') return collector.text(content);
  if (!Array.isArray(content)) return;
  for (const block of content) {
    if (!isObject(block)) continue;
    switch (block.type) {
      case 'text':
        collector.text(block.text);
        break;
      case 'image':
        collector.extraTokens += TOKENS_PER_IMAGE;
        break;
      case 'document':
        if (isObject(block.source) && block.source.type === 'text') collector.text(block.source.data);
        else if (isObject(block.source)) collector.base64(block.source.data);
        break;
      case 'tool_use':
        collector.text(block.name);
        collector.json(block.input);
        break;
      case 'tool_result':
        anthropicBlocks(collector, block.content);
        break;
      default:
        collector.json(block);
    }
  }
}

/** Input tokens of an Anthropic messages request, by the conservative count of countAnthropicTokens. */
export function anthropicMessagesInputTokens(body: Record<string, unknown>): number {
  const collector = new TextCollector();
  anthropicBlocks(collector, body.system);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    if (!isObject(message)) continue;
    collector.extraTokens += TOKENS_PER_MESSAGE;
    anthropicBlocks(collector, message.content);
  }
  collector.json(body.tools);
  return countAnthropicTokens(collector.parts.join('\n')) + collector.extraTokens + REPLY_PRIMER_TOKENS;
}

import { countAnthropicTokens, countOpenAiTokens } from '../token-counters';

// The estimate is a hold, not a charge (the charge comes from the usage the provider reports), so every allowance
// below errs high: a hold that is too low lets an account overdraw; one that is a little high only delays a 402.

/**
 * Per-message framing (role markers, separators): OpenAI documents 3 tokens per message plus 1 for a name, and 3
 * priming the reply. Used for Anthropic too, whose framing is similar and unpublished.
 */
const TOKENS_PER_MESSAGE = 4;
const REPLY_PRIMER_TOKENS = 3;
/**
 * One image, at its most expensive. OpenAI: 1,445 tokens for tile-priced models (gpt-4o, gpt-4.1: 85 + 170 x 8 tiles
 * at high detail), 2,642 for patch-priced ones (gpt-4.1-mini: 1,536 patches x 1.62; o4-mini: x 1.72). gpt-4o-mini
 * multiplies its image tokens (2,833 + 5,667 per tile) to price them like gpt-4o: there the hold is short and the
 * settlement charges the overrun and flags it. Anthropic: about (width x height) / 750, at most ~1,600 tokens.
 */
const OPENAI_TOKENS_PER_IMAGE = 2_700;
const ANTHROPIC_TOKENS_PER_IMAGE = 1_600;
/** Base64 payloads (audio, PDF) are held at one token per 4 encoded characters: far above what providers charge. */
const BASE64_CHARS_PER_TOKEN = 4;
/** The system prompt Anthropic adds when tools are present (346 tokens with tool_choice auto/none, 313 otherwise). */
const ANTHROPIC_TOOL_SYSTEM_PROMPT_TOKENS = 346;

type Json = unknown;
const isObject = (v: Json): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Counts a request piece by piece: each text is tokenized on its own (as the provider tokenizes each message inside
 * its chat template), structured values as their JSON text, and what is not text (images, files) as allowances.
 */
class TokenTally {
  tokens = 0;

  constructor(private readonly count: (text: string) => number) {}

  text(value: unknown): void {
    if (typeof value === 'string' && value.length > 0) this.tokens += this.count(value);
  }

  /** JSON text of tool definitions, tool calls, schemas: more tokens than the providers' compact internal forms. */
  json(value: unknown): void {
    if (value !== undefined && value !== null) this.tokens += this.count(JSON.stringify(value));
  }

  base64(value: unknown): void {
    if (typeof value === 'string') this.tokens += Math.ceil(value.length / BASE64_CHARS_PER_TOKEN);
  }

  add(tokens: number): void {
    this.tokens += tokens;
  }
}

function openAiContent(tally: TokenTally, content: Json): void {
  if (typeof content === 'string') return tally.text(content);
  if (!Array.isArray(content)) return;
  for (const part of content) {
    if (!isObject(part)) continue;
    if (part.type === 'text') tally.text(part.text);
    else if (part.type === 'image_url') tally.add(OPENAI_TOKENS_PER_IMAGE);
    else if (part.type === 'input_audio' && isObject(part.input_audio)) tally.base64(part.input_audio.data);
    else if (part.type === 'file' && isObject(part.file)) tally.base64(part.file.file_data);
    else tally.json(part);
  }
}

/** Input tokens of an OpenAI chat completion request, counted with the o200k tokenizer. */
export function openAiChatInputTokens(body: Record<string, unknown>): number {
  const tally = new TokenTally(countOpenAiTokens);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    if (!isObject(message)) continue;
    tally.add(TOKENS_PER_MESSAGE);
    tally.text(message.role);
    tally.text(message.name);
    openAiContent(tally, message.content);
    tally.text(message.refusal);
    tally.text(message.tool_call_id);
    if (Array.isArray(message.tool_calls)) tally.json(message.tool_calls);
    if (isObject(message.function_call)) tally.json(message.function_call);
  }
  tally.json(body.tools);
  tally.json(body.functions);
  if (isObject(body.tool_choice)) tally.json(body.tool_choice);
  if (isObject(body.response_format) && body.response_format.type === 'json_schema') tally.json(body.response_format);
  if (isObject(body.prediction)) openAiContent(tally, body.prediction.content);
  tally.add(REPLY_PRIMER_TOKENS);
  return tally.tokens;
}

/**
 * Input tokens of an OpenAI embeddings request (text, or pre-tokenised arrays). At least 1: providers charge every
 * request something, and a hold of zero would let a request through unheld.
 */
export function openAiEmbeddingInputTokens(body: Record<string, unknown>): number {
  const input = body.input;
  let total = 0;
  if (typeof input === 'string') total = countOpenAiTokens(input);
  else if (Array.isArray(input)) {
    for (const item of input) {
      if (typeof item === 'string') total += countOpenAiTokens(item);
      else if (typeof item === 'number') total += 1;
      else if (Array.isArray(item)) total += item.length;
    }
  }
  return Math.max(1, total);
}

function anthropicBlocks(tally: TokenTally, content: Json): void {
  if (typeof content === 'string') return tally.text(content);
  if (!Array.isArray(content)) return;
  for (const block of content) {
    if (!isObject(block)) continue;
    switch (block.type) {
      case 'text':
        tally.text(block.text);
        break;
      case 'image':
        tally.add(ANTHROPIC_TOKENS_PER_IMAGE);
        break;
      case 'document':
        if (isObject(block.source) && block.source.type === 'text') tally.text(block.source.data);
        else if (isObject(block.source) && block.source.type === 'content') anthropicBlocks(tally, block.source.content);
        else if (isObject(block.source)) tally.base64(block.source.data);
        break;
      case 'tool_use':
        tally.text(block.name);
        tally.json(block.input);
        break;
      case 'tool_result':
        anthropicBlocks(tally, block.content);
        break;
      default:
        tally.json(block);
    }
  }
}

/** Input tokens of an Anthropic messages request, by the conservative count of countAnthropicTokens. */
export function anthropicMessagesInputTokens(body: Record<string, unknown>): number {
  const tally = new TokenTally(countAnthropicTokens);
  anthropicBlocks(tally, body.system);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    if (!isObject(message)) continue;
    tally.add(TOKENS_PER_MESSAGE);
    anthropicBlocks(tally, message.content);
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    tally.add(ANTHROPIC_TOOL_SYSTEM_PROMPT_TOKENS);
    tally.json(body.tools);
  }
  tally.add(REPLY_PRIMER_TOKENS);
  return tally.tokens;
}

import { measuredUtf8Length } from './measured-texts';

// What a request asks the provider to read, as the hold sees it: the texts the provider tokenizes, and allowances in
// tokens for what is not text. Walking a body costs no tokenizer: the bound (token-bound.ts) reads only the texts'
// UTF-8 lengths, and an exact count (exact-token-counter.ts) tokenizes the same texts off the event loop.

/**
 * Per-message framing (role markers, separators): OpenAI documents 3 tokens per message plus 1 for a name, and 3
 * priming the reply. Used for Anthropic too, whose framing is similar and unpublished.
 */
const TOKENS_PER_MESSAGE = 4;
const REPLY_PRIMER_TOKENS = 3;
/**
 * Between two texts the provider may put a separator of its own (a newline between content parts, say): one token per
 * text covers it, for the byte bound and the exact count alike.
 */
const TOKENS_PER_TEXT = 1;
/**
 * Tool definitions: the provider renders them into a prompt of its own (OpenAI: a TypeScript-like namespace under a
 * "# Tools" header; Anthropic: a tool-use system prompt of 346 tokens with tool_choice auto/none, 313 otherwise, plus
 * each tool). The hold counts each definition's JSON text, which is longer than those renderings, plus a header and
 * a wrapper per tool.
 */
const TOOLS_HEADER_TOKENS = 32;
const TOKENS_PER_TOOL = 16;
const ANTHROPIC_TOOL_SYSTEM_PROMPT_TOKENS = 346;
/** Base64 payloads (audio, PDF) are held at one token per 4 encoded characters (3 bytes): far above what providers charge. */
const BASE64_CHARS_PER_TOKEN = 4;

/** Token allowances that depend on the model. */
export interface ModelAllowances {
  /** The most one image can cost on this model (see imageTokenAllowance). */
  imageTokens: number;
  /** An earlier answer referenced by id (OpenAI assistant `audio: { id }`): at most one answer's output. */
  answerTokens: number;
  /**
   * Content referenced and not sent (Gemini `fileData` URIs, `cachedContent`): the gateway cannot see its size, so it is
   * held at the most a request can read, the model's context window.
   */
  referencedTokens: number;
}

/** The texts of a request and its allowances (in tokens) for everything else. */
export interface RequestText {
  /** Each text the provider tokenizes, to be counted on its own (as the provider tokenizes each inside its template). */
  readonly pieces: string[];
  /**
   * Structured values (tool calls and results, schemas, fields the gateway does not know) the provider reads as text,
   * each to be counted as its JSON text (textsOf): kept as values, so that the bound measures them without
   * serialising them (json-length.ts) and only an exact count serialises them.
   */
  readonly values?: readonly unknown[];
  /** Framing, images, files, base64 media, pre-tokenized input: tokens that are not in `pieces`. */
  readonly allowanceTokens: number;
  /** UTF-8 lengths already known, by index in `pieces` (long texts the body parser measured: measured-texts.ts). */
  readonly measuredBytes?: ReadonlyMap<number, number>;
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every text of the request, the structured values' JSON texts after the others: what an exact count tokenizes. */
export function textsOf(text: RequestText): string[] {
  if (text.values === undefined) return text.pieces;
  return [...text.pieces, ...text.values.map((value) => JSON.stringify(value) as string)];
}

class TextTally {
  readonly pieces: string[] = [];
  allowanceTokens = 0;
  private measuredBytes: Map<number, number> | undefined;
  private values: unknown[] | undefined;

  text(value: unknown): void {
    if (typeof value !== 'string' || value.length === 0) return;
    this.pieces.push(value);
    this.allowanceTokens += TOKENS_PER_TEXT;
  }

  /** `holder[field]` as text, with its UTF-8 length when the body parser measured it (measured-texts.ts). */
  textAt(holder: Record<string, unknown>, field: string): void {
    const value = holder[field];
    if (typeof value !== 'string' || value.length === 0) return;
    this.text(value);
    const bytes = measuredUtf8Length(holder, field);
    if (bytes !== undefined) (this.measuredBytes ??= new Map()).set(this.pieces.length - 1, bytes);
  }

  /**
   * Structured values (tool calls, schemas, fields the gateway does not know) as their JSON text, kept as values
   * (RequestText.values). A value whose JSON text may be no text at all (toJSON, anything but data) is serialised
   * here, as a text, so that it adds its TOKENS_PER_TEXT exactly when it has a text.
   */
  json(value: unknown): void {
    if (value === undefined || value === null) return;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'object' && !('toJSON' in value))) {
      (this.values ??= []).push(value);
      this.allowanceTokens += TOKENS_PER_TEXT;
    } else this.text(JSON.stringify(value));
  }

  base64(value: unknown): void {
    if (typeof value === 'string') this.allowanceTokens += Math.ceil(value.length / BASE64_CHARS_PER_TOKEN);
  }

  /** Opaque data the provider decodes into tokens (encrypted reasoning): at most one token per byte it holds. */
  opaque(value: unknown): void {
    if (typeof value === 'string') this.allowanceTokens += Buffer.byteLength(value, 'utf8');
  }

  add(tokens: number): void {
    this.allowanceTokens += tokens;
  }

  tools(tools: unknown, fixedPromptTokens = 0): void {
    if (!Array.isArray(tools) || tools.length === 0) return;
    this.add(fixedPromptTokens + TOOLS_HEADER_TOKENS + TOKENS_PER_TOOL * tools.length);
    this.json(tools);
  }

  done(): RequestText {
    return {
      pieces: this.pieces,
      allowanceTokens: this.allowanceTokens,
      ...(this.measuredBytes && { measuredBytes: this.measuredBytes }),
      ...(this.values && { values: this.values }),
    };
  }
}

/**
 * Top-level fields that are not read by the model as text (sampling, limits, routing, metadata). Every other field is
 * held at its JSON size: a parameter the gateway does not know yet may carry text the provider reads.
 */
const OPENAI_CHAT_NON_TEXT = new Set([
  'model', 'messages', 'max_tokens', 'max_completion_tokens', 'n', 'temperature', 'top_p', 'stream', 'stream_options',
  'stop', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'logprobs', 'top_logprobs', 'user', 'seed',
  'service_tier', 'store', 'metadata', 'parallel_tool_calls', 'modalities', 'audio', 'reasoning_effort', 'verbosity',
  'prompt_cache_key', 'prompt_cache_retention', 'safety_identifier', 'prediction', 'tools', 'functions',
]);
const GEMINI_NON_TEXT = new Set([
  'contents', 'systemInstruction', 'generationConfig', 'tools', 'toolConfig', 'safetySettings', 'cachedContent', 'labels',
  'model',
]);
const ANTHROPIC_NON_TEXT = new Set([
  'model', 'messages', 'system', 'max_tokens', 'stream', 'temperature', 'top_p', 'top_k', 'stop_sequences',
  'metadata', 'service_tier', 'thinking', 'tool_choice', 'tools',
]);

function unknownFields(tally: TextTally, body: Record<string, unknown>, known: Set<string>): void {
  for (const [field, value] of Object.entries(body)) if (!known.has(field)) tally.json(value);
}

/** `holder[field]`: OpenAI chat content (a string, or parts). */
function openAiContent(tally: TextTally, holder: Record<string, unknown>, field: string, allowances: ModelAllowances): void {
  const content = holder[field];
  if (typeof content === 'string') return tally.textAt(holder, field);
  if (!Array.isArray(content)) return;
  for (const part of content) {
    if (!isObject(part)) continue;
    if (part.type === 'text' || part.type === 'refusal') tally.textAt(part, part.text !== undefined && part.text !== null ? 'text' : 'refusal');
    else if (part.type === 'image_url') tally.add(allowances.imageTokens);
    else if (part.type === 'input_audio' && isObject(part.input_audio)) tally.base64(part.input_audio.data);
    else if (part.type === 'file' && isObject(part.file)) tally.base64(part.file.file_data);
    else tally.json(part);
  }
}

const OPENAI_MESSAGE_FIELDS = new Set(['role', 'name', 'content', 'refusal', 'tool_call_id', 'audio']);

/** The text of an OpenAI chat completion request (prediction excluded: predicted tokens are billed as output). */
export function openAiChatText(body: Record<string, unknown>, allowances: ModelAllowances): RequestText {
  const tally = new TextTally();
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    if (!isObject(message)) continue;
    tally.add(TOKENS_PER_MESSAGE);
    tally.text(message.role);
    tally.text(message.name);
    openAiContent(tally, message, 'content', allowances);
    tally.text(message.refusal);
    tally.text(message.tool_call_id);
    if (message.audio !== undefined) tally.add(allowances.answerTokens);
    // tool_calls, function_call and anything newer: as JSON.
    for (const [field, value] of Object.entries(message)) if (!OPENAI_MESSAGE_FIELDS.has(field)) tally.json(value);
  }
  tally.tools(body.tools);
  tally.tools(body.functions);
  unknownFields(tally, body, OPENAI_CHAT_NON_TEXT);
  tally.add(REPLY_PRIMER_TOKENS);
  return tally.done();
}

/** The predicted output of an OpenAI request: billed as output tokens whether or not the answer uses it. */
export function openAiPredictionText(body: Record<string, unknown>): RequestText {
  const tally = new TextTally();
  if (isObject(body.prediction)) openAiContent(tally, body.prediction, 'content', { imageTokens: 0, answerTokens: 0, referencedTokens: 0 });
  return tally.done();
}

/**
 * The text of an OpenAI embeddings request: strings, or pre-tokenized input (arrays of token ids, counted exactly as
 * allowances). At least one token: providers charge every request something, and a hold of zero would let a request
 * through unheld.
 */
export function openAiEmbeddingText(body: Record<string, unknown>): RequestText {
  const tally = new TextTally();
  const input = body.input;
  if (typeof input === 'string') tally.text(input);
  else if (Array.isArray(input)) {
    for (const item of input) {
      if (typeof item === 'string') tally.text(item);
      else if (typeof item === 'number') tally.add(1);
      else if (Array.isArray(item)) tally.add(item.length);
    }
  }
  if (tally.pieces.length === 0 && tally.allowanceTokens === 0) tally.add(1);
  return tally.done();
}

const OPENAI_RESPONSES_NON_TEXT = new Set([
  'model', 'input', 'instructions', 'max_output_tokens', 'temperature', 'top_p', 'stream', 'stream_options', 'store',
  'metadata', 'parallel_tool_calls', 'reasoning', 'user', 'safety_identifier', 'service_tier', 'prompt_cache_key',
  'prompt_cache_retention', 'include', 'truncation', 'max_tool_calls', 'top_logprobs', 'background', 'tools',
]);
const RESPONSES_MESSAGE_FIELDS = new Set(['type', 'role', 'content', 'id', 'status']);

/** Responses API content: a string, or parts (input_text, output_text, refusal, input_image, input_file, ...). */
function responsesContent(tally: TextTally, holder: Record<string, unknown>, field: string, allowances: ModelAllowances): void {
  const content = holder[field];
  if (typeof content === 'string') return tally.textAt(holder, field);
  if (!Array.isArray(content)) return;
  for (const part of content) {
    if (!isObject(part)) continue;
    if (part.type === 'input_text' || part.type === 'output_text') tally.textAt(part, 'text');
    else if (part.type === 'refusal') tally.text(part.refusal);
    else if (part.type === 'input_image') tally.add(allowances.imageTokens);
    else if (part.type === 'input_file') {
      tally.base64(part.file_data);
      tally.text(part.filename);
    } else tally.json(part);
  }
}

/**
 * The text of an OpenAI Responses API request: the instructions, then the input (a string, or items: messages,
 * function calls and their outputs, reasoning carried over from an earlier turn, anything newer as JSON).
 */
export function openAiResponsesText(body: Record<string, unknown>, allowances: ModelAllowances): RequestText {
  const tally = new TextTally();
  if (body.instructions !== undefined && body.instructions !== null) {
    tally.add(TOKENS_PER_MESSAGE);
    tally.textAt(body, 'instructions');
  }
  const input = body.input;
  if (typeof input === 'string') {
    tally.add(TOKENS_PER_MESSAGE);
    tally.textAt(body, 'input');
  }
  for (const item of Array.isArray(input) ? input : []) {
    if (!isObject(item)) continue;
    tally.add(TOKENS_PER_MESSAGE);
    switch (item.type ?? 'message') {
      case 'message':
        tally.text(item.role);
        responsesContent(tally, item, 'content', allowances);
        for (const [field, value] of Object.entries(item)) if (!RESPONSES_MESSAGE_FIELDS.has(field)) tally.json(value);
        break;
      case 'function_call':
        tally.text(item.call_id);
        tally.text(item.name);
        tally.text(item.arguments);
        break;
      case 'function_call_output':
        tally.text(item.call_id);
        responsesContent(tally, item, 'output', allowances);
        break;
      case 'reasoning':
        // The provider reads back the reasoning it encrypted (its ciphertext is longer than the text it holds).
        tally.json(item.summary);
        tally.json(item.content);
        tally.opaque(item.encrypted_content);
        break;
      default:
        tally.json(item);
    }
  }
  tally.tools(body.tools);
  unknownFields(tally, body, OPENAI_RESPONSES_NON_TEXT);
  tally.add(REPLY_PRIMER_TOKENS);
  return tally.done();
}

/** `holder[field]`: Anthropic content (a string, or blocks). */
function anthropicBlocks(tally: TextTally, holder: Record<string, unknown>, field: string, allowances: ModelAllowances): void {
  const content = holder[field];
  if (typeof content === 'string') return tally.textAt(holder, field);
  if (!Array.isArray(content)) return;
  for (const block of content) {
    if (!isObject(block)) continue;
    switch (block.type) {
      case 'text':
        tally.textAt(block, 'text');
        break;
      case 'image':
        tally.add(allowances.imageTokens);
        break;
      case 'document':
        if (isObject(block.source) && block.source.type === 'text') tally.textAt(block.source, 'data');
        else if (isObject(block.source) && block.source.type === 'content') anthropicBlocks(tally, block.source, 'content', allowances);
        else if (isObject(block.source)) tally.base64(block.source.data);
        tally.text(block.title);
        tally.text(block.context);
        break;
      case 'tool_use':
        tally.text(block.name);
        tally.json(block.input);
        break;
      case 'tool_result':
        anthropicBlocks(tally, block, 'content', allowances);
        break;
      default:
        tally.json(block);
    }
  }
}

/** The text of an Anthropic messages request. */
export function anthropicMessagesText(body: Record<string, unknown>, allowances: ModelAllowances): RequestText {
  const tally = new TextTally();
  anthropicBlocks(tally, body, 'system', allowances);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    if (!isObject(message)) continue;
    tally.add(TOKENS_PER_MESSAGE);
    anthropicBlocks(tally, message, 'content', allowances);
  }
  tally.tools(body.tools, ANTHROPIC_TOOL_SYSTEM_PROMPT_TOKENS);
  unknownFields(tally, body, ANTHROPIC_NON_TEXT);
  tally.add(REPLY_PRIMER_TOKENS);
  return tally.done();
}

/** One Gemini Content (a turn, or the system instruction): its parts. */
function geminiParts(tally: TextTally, content: Json, allowances: ModelAllowances): void {
  if (!isObject(content) || !Array.isArray(content.parts)) return;
  for (const part of content.parts) {
    if (!isObject(part)) continue;
    if (typeof part.text === 'string') tally.textAt(part, 'text');
    else if (isObject(part.inlineData)) {
      // Images are billed by tile whatever their bytes (a tiny one still costs a tile), audio and video by duration:
      // the image allowance plus one token per 4 base64 characters is above either.
      tally.add(allowances.imageTokens);
      tally.base64(part.inlineData.data);
    } else if (isObject(part.fileData)) tally.add(allowances.referencedTokens);
    else if (isObject(part.functionCall)) {
      tally.text(part.functionCall.name);
      tally.json(part.functionCall.args);
    } else if (isObject(part.functionResponse)) {
      tally.text(part.functionResponse.name);
      tally.json(part.functionResponse.response);
    } else tally.json(part);
  }
}

/** The text of a Gemini generateContent request. */
export function geminiGenerateContentText(body: Record<string, unknown>, allowances: ModelAllowances): RequestText {
  const tally = new TextTally();
  geminiParts(tally, body.systemInstruction, allowances);
  const contents = Array.isArray(body.contents) ? body.contents : [];
  for (const content of contents) {
    tally.add(TOKENS_PER_MESSAGE);
    geminiParts(tally, content, allowances);
  }
  tally.tools(body.tools);
  const config = body.generationConfig;
  if (isObject(config)) {
    // A response schema is rendered into the prompt.
    tally.json(config.responseSchema);
    tally.json(config.responseJsonSchema);
    tally.json(config._responseJsonSchema);
  }
  tally.json(body.toolConfig);
  if (body.cachedContent !== undefined && body.cachedContent !== null) tally.add(allowances.referencedTokens);
  unknownFields(tally, body, GEMINI_NON_TEXT);
  tally.add(REPLY_PRIMER_TOKENS);
  return tally.done();
}

import { replyPieceJson, replyText } from './mock-text';
import { TOOL_ARGUMENT_FRAGMENTS, TOOL_ARGUMENTS } from './openai.responses';
import { streamFailure } from './provider-errors';
import type { ResponseSettings } from './responses-api.request';
import { type FrameSource, sseEvent } from './sse';

export interface FunctionCall {
  /** The output item's id (`fc_…`). */
  readonly id: string;
  /** The id the client answers with in a `function_call_output` (`call_…`). */
  readonly callId: string;
  readonly name: string;
}

export interface ResponsesAnswer {
  readonly id: string;
  readonly createdAt: number;
  readonly model: string;
  readonly inputTokens: number;
  /** Of the input tokens, how many were read from the cache. */
  readonly cachedTokens: number;
  /** Visible output tokens: the words of the reply. */
  readonly outputTokens: number;
  /** Reasoning tokens, counted in output_tokens on top of the visible ones; a reasoning item comes first when > 0. */
  readonly reasoningTokens: number;
  /** `max_output_tokens` cut the answer short: the response is `incomplete`. */
  readonly capped: boolean;
  readonly messageId: string;
  readonly reasoningId: string;
  readonly encryptedReasoning: boolean;
  readonly functionCall: FunctionCall | undefined;
  readonly settings: ResponseSettings;
}

type Status = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** An opaque stand-in for OpenAI's encrypted reasoning, which a client sends back unread. */
const ENCRYPTED_REASONING = 'gAAAAABmock-encrypted-reasoning';

const FAILURE = streamFailure('openai');
const FAILED_ERROR = JSON.stringify({ code: 'server_error', message: FAILURE.message });

/**
 * The `response` object, its items and its usage as JSON text. The request's settings are serialised once per
 * answer; what changes between events (status, output, usage) is spliced in, since benchmarks measure the gateway
 * against this mock, which must cost next to nothing per event.
 */
export class ResponseJson {
  /** The final status: `incomplete` when capped, else `completed`. */
  readonly status: Status;
  readonly outputIndex: number;
  readonly text: string;
  private readonly head: string;
  private readonly middle: string;
  private readonly tail: string;
  private readonly end: string;

  constructor(readonly answer: ResponsesAnswer) {
    const a = answer;
    const s = a.settings;
    this.status = a.capped && a.functionCall === undefined ? 'incomplete' : 'completed';
    this.outputIndex = a.reasoningTokens > 0 ? 1 : 0;
    this.text = a.functionCall === undefined ? JSON.stringify(replyText(a.outputTokens)) : '""';
    this.head = `{"id":"${a.id}","object":"response","created_at":${a.createdAt},"status":"`;
    this.middle =
      `,"instructions":${JSON.stringify(s.instructions)},"max_output_tokens":${s.maxOutputTokens},` +
      `"max_tool_calls":null,"model":${JSON.stringify(a.model)},"output":`;
    this.tail =
      `,"parallel_tool_calls":${s.parallelToolCalls},"previous_response_id":null,"prompt_cache_key":null,` +
      `"reasoning":${JSON.stringify(s.reasoning)},"safety_identifier":null,"service_tier":"default",` +
      `"store":${s.store},"temperature":${s.temperature},"text":${JSON.stringify(s.text)},` +
      `"tool_choice":${JSON.stringify(s.toolChoice)},"tools":${JSON.stringify(s.tools)},"top_logprobs":0,` +
      `"top_p":${s.topP},"truncation":${JSON.stringify(s.truncation)},"usage":`;
    this.end = `,"user":${JSON.stringify(s.user)},"metadata":${JSON.stringify(s.metadata)}}`;
  }

  /** The response object; `output` and `usage` are JSON text. */
  response(status: Status, output: string, usage: string): string {
    const error = status === 'failed' ? FAILED_ERROR : 'null';
    const incomplete = status === 'incomplete' ? '{"reason":"max_output_tokens"}' : 'null';
    return (
      `${this.head}${status}","background":false,"error":${error},"incomplete_details":${incomplete}` +
      `${this.middle}${output}${this.tail}${usage}${this.end}`
    );
  }

  /** OpenAI's accounting: cached tokens are part of input_tokens, reasoning tokens part of output_tokens. */
  usage(): string {
    const a = this.answer;
    const output = a.outputTokens + a.reasoningTokens;
    return (
      `{"input_tokens":${a.inputTokens},"input_tokens_details":{"cached_tokens":${a.cachedTokens}},` +
      `"output_tokens":${output},"output_tokens_details":{"reasoning_tokens":${a.reasoningTokens}},` +
      `"total_tokens":${a.inputTokens + output}}`
    );
  }

  /** The reasoning item: OpenAI shows no reasoning text, only that it happened (and, on request, its ciphertext). */
  reasoningItem(): string {
    const encrypted = this.answer.encryptedReasoning ? `,"encrypted_content":"${ENCRYPTED_REASONING}"` : '';
    return `{"id":"${this.answer.reasoningId}","type":"reasoning","summary":[]${encrypted}}`;
  }

  /** The main output item (message or function call), in progress (empty) or done. */
  mainItem(done: boolean): string {
    const a = this.answer;
    const call = a.functionCall;
    if (call !== undefined) {
      const args = done ? JSON.stringify(TOOL_ARGUMENTS) : '""';
      return (
        `{"id":"${call.id}","type":"function_call","status":"${done ? 'completed' : 'in_progress'}",` +
        `"arguments":${args},"call_id":"${call.callId}","name":${JSON.stringify(call.name)}}`
      );
    }
    const status = done ? this.status : 'in_progress';
    const content = done ? `[${this.textPart(this.text)}]` : '[]';
    return `{"id":"${a.messageId}","type":"message","status":"${status}","content":${content},"role":"assistant"}`;
  }

  textPart(text: string): string {
    return `{"type":"output_text","annotations":[],"logprobs":[],"text":${text}}`;
  }

  /** Every output item of the finished response. */
  output(): string {
    const main = this.mainItem(true);
    return this.answer.reasoningTokens > 0 ? `[${this.reasoningItem()},${main}]` : `[${main}]`;
  }

  /** The complete non-streamed body. */
  body(): string {
    return this.response(this.status, this.output(), this.usage());
  }
}

/** The body `mock:invalid_json` answers with: the start of a response, cut off. */
export function truncatedResponse(a: ResponsesAnswer): string {
  return `{"id":"${a.id}","object":"response","created_at":${a.createdAt},"status":"completed","output":[{"type":`;
}

const ARGUMENT_FRAGMENTS_JSON = TOOL_ARGUMENT_FRAGMENTS.map((fragment) => JSON.stringify(fragment));

/**
 * The typed events of a streamed response, as OpenAI sends them, each with its `sequence_number` (its index):
 * response.created, response.in_progress, [the reasoning item added and done], the main item added (and for a message
 * its content part), then one delta per token (text) or argument fragment (function call), then the done events and
 * response.completed (response.incomplete when capped) carrying the usage.
 */
export class ResponseStream implements FrameSource {
  readonly head: number;
  readonly content: number;
  readonly length: number;
  private readonly r: ResponseJson;
  private readonly itemRef: string;
  private readonly message: boolean;

  constructor(answer: ResponsesAnswer) {
    const r = (this.r = new ResponseJson(answer));
    this.message = answer.functionCall === undefined;
    const reasoningFrames = answer.reasoningTokens > 0 ? 2 : 0;
    // created, in_progress, reasoning item, item added, content part added (messages only)
    this.head = 2 + reasoningFrames + (this.message ? 2 : 1);
    this.content = this.message ? answer.outputTokens : TOOL_ARGUMENT_FRAGMENTS.length;
    // text done, part done, item done, completed; or arguments done, item done, completed
    this.length = this.head + this.content + (this.message ? 4 : 3);
    const id = this.message ? answer.messageId : answer.functionCall!.id;
    this.itemRef = `"item_id":"${id}","output_index":${r.outputIndex}`;
  }

  frame(i: number): string {
    const { r, head, content } = this;
    if (i === 0) return this.lifecycle(i, 'response.created', 'in_progress', '[]', 'null');
    if (i === 1) return this.lifecycle(i, 'response.in_progress', 'in_progress', '[]', 'null');
    const reasoning = r.outputIndex === 1;
    if (reasoning && i === 2) return this.itemEvent(i, 'response.output_item.added', 0, r.reasoningItem());
    if (reasoning && i === 3) return this.itemEvent(i, 'response.output_item.done', 0, r.reasoningItem());
    const firstOwn = reasoning ? 4 : 2;
    if (i === firstOwn) return this.itemEvent(i, 'response.output_item.added', r.outputIndex, r.mainItem(false));
    if (i < head) return this.partEvent(i, 'response.content_part.added', r.textPart('""'));
    if (i < head + content) return this.delta(i, i - head);
    const closing = i - head - content;
    if (this.message) {
      if (closing === 0) {
        return this.event(
          i,
          'response.output_text.done',
          `${this.itemRef},"content_index":0,"text":${r.text},"logprobs":[]`,
        );
      }
      if (closing === 1) return this.partEvent(i, 'response.content_part.done', r.textPart(r.text));
      if (closing === 2) return this.itemEvent(i, 'response.output_item.done', r.outputIndex, r.mainItem(true));
    } else {
      if (closing === 0) {
        const name = JSON.stringify(r.answer.functionCall!.name);
        const args = JSON.stringify(TOOL_ARGUMENTS);
        const fields = `${this.itemRef},"arguments":${args},"name":${name}`;
        return this.event(i, 'response.function_call_arguments.done', fields);
      }
      if (closing === 1) return this.itemEvent(i, 'response.output_item.done', r.outputIndex, r.mainItem(true));
    }
    const type = r.status === 'incomplete' ? 'response.incomplete' : 'response.completed';
    return this.lifecycle(i, type, r.status, r.output(), r.usage());
  }

  /** A failed response: its error says why, its output and usage are what OpenAI reports for a failure, none. */
  failure(i: number): string {
    return this.lifecycle(i, 'response.failed', 'failed', '[]', 'null');
  }

  private delta(i: number, k: number): string {
    if (this.message) {
      const delta = replyPieceJson(k);
      return this.event(
        i,
        'response.output_text.delta',
        `${this.itemRef},"content_index":0,"delta":${delta},"logprobs":[]`,
      );
    }
    const fragment = ARGUMENT_FRAGMENTS_JSON[k];
    return this.event(i, 'response.function_call_arguments.delta', `${this.itemRef},"delta":${fragment}`);
  }

  private lifecycle(i: number, type: string, status: Status, output: string, usage: string): string {
    return this.event(i, type, `"response":${this.r.response(status, output, usage)}`);
  }

  private itemEvent(i: number, type: string, outputIndex: number, item: string): string {
    return this.event(i, type, `"output_index":${outputIndex},"item":${item}`);
  }

  private partEvent(i: number, type: string, part: string): string {
    return this.event(i, type, `${this.itemRef},"content_index":0,"part":${part}`);
  }

  private event(i: number, type: string, fields: string): string {
    return sseEvent(type, `{"type":"${type}","sequence_number":${i},${fields}}`);
  }
}

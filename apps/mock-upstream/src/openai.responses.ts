import { replyPiece, replyText } from './mock-text';
import { providerErrorBody, streamFailure } from './provider-errors';
import { type FrameSource, sseData } from './sse';

export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface ToolCall {
  readonly id: string;
  readonly name: string;
}

export interface ChatAnswer {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly inputTokens: number;
  /** Visible output tokens: the words of the reply. */
  readonly outputTokens: number;
  /** Of the input tokens, how many were read from the cache (0 when absent). */
  readonly cachedTokens?: number;
  /** Reasoning tokens, counted in completion_tokens on top of the visible ones (0 when absent). */
  readonly reasoningTokens?: number;
  readonly finishReason: FinishReason;
  readonly toolCall: ToolCall | undefined;
}

export const TOOL_ARGUMENTS = '{"mock":true}';
/** How a real stream splits the arguments: a few fragments of a few characters. */
export const TOOL_ARGUMENT_FRAGMENTS: readonly string[] = ['{"', 'mock', '":', 'true', '}'];

/** OpenAI's accounting: cached tokens are part of prompt_tokens, reasoning tokens part of completion_tokens. */
export function chatUsage(a: ChatAnswer): object {
  const reasoning = a.reasoningTokens ?? 0;
  const completion = a.outputTokens + reasoning;
  return {
    prompt_tokens: a.inputTokens,
    completion_tokens: completion,
    total_tokens: a.inputTokens + completion,
    prompt_tokens_details: { cached_tokens: a.cachedTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}

/** As OpenAI's: every message carries `annotations` (clients echo them back in the next turn's history). */
export function chatCompletionBody(a: ChatAnswer): object {
  const message =
    a.toolCall === undefined
      ? { role: 'assistant', content: replyText(a.outputTokens), refusal: null, annotations: [] }
      : {
          role: 'assistant',
          content: null,
          refusal: null,
          annotations: [],
          tool_calls: [
            { id: a.toolCall.id, type: 'function', function: { name: a.toolCall.name, arguments: TOOL_ARGUMENTS } },
          ],
        };
  return {
    id: a.id,
    object: 'chat.completion',
    created: a.created,
    model: a.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: a.finishReason }],
    usage: chatUsage(a),
    system_fingerprint: 'fp_mock',
  };
}

/** The body `mock:invalid_json` answers with: the start of a completion, cut off. */
export function truncatedChatCompletion(a: ChatAnswer): string {
  return `{"id":"${a.id}","object":"chat.completion","created":${a.created},"choices":[{"index":0,"message":{"role":`;
}

// As OpenAI does: a bare error object where the next chunk would be, and no [DONE].
const CHAT_STREAM_FAILURE = sseData(JSON.stringify(providerErrorBody('openai', 500, streamFailure('openai'))));

/**
 * The chunks of a streamed completion. They are assembled from strings rather than JSON.stringify'd objects because
 * benchmarks measure the gateway against this mock, which must cost next to nothing per chunk.
 */
export class ChatCompletionStream implements FrameSource {
  readonly head = 1;
  readonly content: number;
  readonly length: number;
  private readonly prefix: string;
  private readonly suffix: string;

  constructor(
    private readonly answer: ChatAnswer,
    private readonly includeUsage: boolean,
  ) {
    this.content = answer.toolCall === undefined ? answer.outputTokens : TOOL_ARGUMENT_FRAGMENTS.length;
    // head, content, finish chunk, optional usage chunk, [DONE]
    this.length = this.head + this.content + (includeUsage ? 3 : 2);
    this.prefix =
      `{"id":"${answer.id}","object":"chat.completion.chunk","created":${answer.created},` +
      `"model":${JSON.stringify(answer.model)},"system_fingerprint":"fp_mock","choices":[`;
    this.suffix = includeUsage ? '],"usage":null}' : ']}';
  }

  frame(i: number): string {
    const { answer } = this;
    if (i === 0) return this.choice(this.firstDelta(), null);
    if (i <= this.content) {
      return answer.toolCall === undefined
        ? this.choice(`{"content":${JSON.stringify(replyPiece(i - 1))}}`, null)
        : this.choice(
            `{"tool_calls":[{"index":0,"function":{"arguments":${JSON.stringify(TOOL_ARGUMENT_FRAGMENTS[i - 1])}}}]}`,
            null,
          );
    }
    if (i === this.content + 1) return this.choice('{}', answer.finishReason);
    if (this.includeUsage && i === this.content + 2) {
      return sseData(`${this.prefix}],"usage":${JSON.stringify(chatUsage(answer))}}`);
    }
    return 'data: [DONE]\n\n';
  }

  failure(): string {
    return CHAT_STREAM_FAILURE;
  }

  private firstDelta(): string {
    const call = this.answer.toolCall;
    if (call === undefined) return '{"role":"assistant","content":""}';
    return (
      `{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"${call.id}","type":"function",` +
      `"function":{"name":${JSON.stringify(call.name)},"arguments":""}}]}`
    );
  }

  private choice(delta: string, finishReason: FinishReason | null): string {
    const finish = finishReason === null ? 'null' : `"${finishReason}"`;
    return sseData(
      `${this.prefix}{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}${this.suffix}`,
    );
  }
}

export interface EmbeddingItem {
  readonly object: 'embedding';
  readonly index: number;
  readonly embedding: number[] | string;
}

export function embeddingsBody(model: string, data: EmbeddingItem[], inputTokens: number): object {
  return { object: 'list', data, model, usage: { prompt_tokens: inputTokens, total_tokens: inputTokens } };
}

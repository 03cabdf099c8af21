import { replyPiece, replyText } from './mock-text';
import { providerErrorBody, streamFailure } from './provider-errors';
import { type FrameSource, sseEvent } from './sse';

export type StopReason = 'end_turn' | 'max_tokens' | 'tool_use';

export interface ToolUse {
  readonly id: string;
  readonly name: string;
}

export interface MessageAnswer {
  readonly id: string;
  readonly model: string;
  readonly inputTokens: number;
  /** Read from the prompt cache, on top of `inputTokens` (Anthropic's accounting). */
  readonly cacheReadTokens: number;
  /** Written to the prompt cache, on top of `inputTokens`. */
  readonly cacheWriteTokens: number;
  readonly outputTokens: number;
  readonly stopReason: StopReason;
  readonly toolUse: ToolUse | undefined;
}

/** How a real stream splits the tool input JSON: a few fragments of a few characters. */
export const TOOL_INPUT_FRAGMENTS: readonly string[] = ['{"', 'mock', '":', 'true', '}'];

function usage(a: MessageAnswer, outputTokens: number): object {
  return {
    input_tokens: a.inputTokens,
    output_tokens: outputTokens,
    cache_creation_input_tokens: a.cacheWriteTokens,
    cache_read_input_tokens: a.cacheReadTokens,
  };
}

export function messageBody(a: MessageAnswer): object {
  const content =
    a.toolUse === undefined
      ? [{ type: 'text', text: replyText(a.outputTokens) }]
      : [{ type: 'tool_use', id: a.toolUse.id, name: a.toolUse.name, input: { mock: true } }];
  return {
    id: a.id,
    type: 'message',
    role: 'assistant',
    model: a.model,
    content,
    stop_reason: a.stopReason,
    stop_sequence: null,
    usage: usage(a, a.outputTokens),
  };
}

/** The body `mock:invalid_json` answers with: the start of a message, cut off. */
export function truncatedMessage(a: MessageAnswer): string {
  return `{"id":"${a.id}","type":"message","role":"assistant","content":[{"type":`;
}

// Every text delta is one of a few constant frames.
const textDeltas = new Map<string, string>();

function textDelta(piece: string): string {
  let frame = textDeltas.get(piece);
  if (frame === undefined) {
    const delta = `{"type":"text_delta","text":${JSON.stringify(piece)}}`;
    const json = `{"type":"content_block_delta","index":0,"delta":${delta}}`;
    textDeltas.set(piece, (frame = sseEvent('content_block_delta', json)));
  }
  return frame;
}

const PING = sseEvent('ping', '{"type":"ping"}');
const BLOCK_STOP = sseEvent('content_block_stop', '{"type":"content_block_stop","index":0}');
const MESSAGE_STOP = sseEvent('message_stop', '{"type":"message_stop"}');
// As Anthropic does when it fails mid-answer: an error event, and nothing after it.
const STREAM_FAILURE = sseEvent(
  'error',
  JSON.stringify(providerErrorBody('anthropic', 500, streamFailure('anthropic'))),
);

/** The events of a streamed message; input usage in message_start, output usage in message_delta. */
export class MessageStream implements FrameSource {
  // message_start, content_block_start, ping
  readonly head = 3;
  readonly content: number;
  readonly length: number;

  constructor(private readonly answer: MessageAnswer) {
    this.content = answer.toolUse === undefined ? answer.outputTokens : TOOL_INPUT_FRAGMENTS.length;
    // content_block_stop, message_delta, message_stop
    this.length = this.head + this.content + 3;
  }

  frame(i: number): string {
    const { answer, head, content } = this;
    if (i === 0) return this.messageStart();
    if (i === 1) return this.blockStart();
    if (i === 2) return PING;
    if (i < head + content) {
      if (answer.toolUse === undefined) return textDelta(replyPiece(i - head));
      const partial = JSON.stringify(TOOL_INPUT_FRAGMENTS[i - head]);
      return sseEvent(
        'content_block_delta',
        `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":${partial}}}`,
      );
    }
    if (i === head + content) return BLOCK_STOP;
    if (i === head + content + 1) {
      const delta = {
        type: 'message_delta',
        delta: { stop_reason: answer.stopReason, stop_sequence: null },
        usage: { output_tokens: answer.outputTokens },
      };
      return sseEvent('message_delta', JSON.stringify(delta));
    }
    return MESSAGE_STOP;
  }

  failure(): string {
    return STREAM_FAILURE;
  }

  private messageStart(): string {
    const { answer } = this;
    const message = {
      id: answer.id,
      type: 'message',
      role: 'assistant',
      model: answer.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usage(answer, 1),
    };
    return sseEvent('message_start', JSON.stringify({ type: 'message_start', message }));
  }

  private blockStart(): string {
    const { toolUse } = this.answer;
    const block =
      toolUse === undefined
        ? { type: 'text', text: '' }
        : { type: 'tool_use', id: toolUse.id, name: toolUse.name, input: {} };
    const event = { type: 'content_block_start', index: 0, content_block: block };
    return sseEvent('content_block_start', JSON.stringify(event));
  }
}

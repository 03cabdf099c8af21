import type { StopReason } from './stop-reason';
import type { Usage } from './usage';

/**
 * What a provider's stream says, one protocol-neutral event at a time. Tool calls are numbered 0, 1, ... in the
 * order they start (`index`), whatever the provider's own numbering; text and reasoning have no explicit blocks (an
 * encoder that needs blocks opens one when the kind of content changes).
 */
export type StreamEvent =
  | { type: 'message_start'; id: string; model: string }
  | { type: 'text_delta'; text: string }
  | { type: 'reasoning_delta'; text: string }
  /** The signature of the reasoning just streamed (Anthropic's signature_delta). */
  | { type: 'reasoning_signature'; signature: string }
  /** A reasoning block whose content the provider encrypted (Anthropic's redacted_thinking). */
  | { type: 'reasoning_redacted'; data: string }
  | { type: 'tool_call_start'; index: number; id: string; name: string; thoughtSignature?: string }
  | { type: 'tool_call_delta'; index: number; argumentsDelta: string }
  | { type: 'tool_call_end'; index: number }
  /** The usage so far, whole (a later one replaces an earlier one). */
  | { type: 'usage'; usage: Usage }
  /** The provider's final event: the answer is complete. */
  | { type: 'finish'; stopReason: StopReason; stopSequence?: string };

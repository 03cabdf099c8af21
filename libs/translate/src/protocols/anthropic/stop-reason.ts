import type Anthropic from '@anthropic-ai/sdk';
import type { StopReason } from '../../model';

export function decodeAnthropicStopReason(reason: unknown): StopReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'max_tokens';
    case 'stop_sequence':
      return 'stop_sequence';
    case 'tool_use':
      return 'tool_use';
    case 'refusal':
      return 'content_filter';
    default:
      return 'end_turn';
  }
}

export function encodeAnthropicStopReason(reason: StopReason): Anthropic.StopReason {
  switch (reason) {
    case 'max_tokens':
    case 'stop_sequence':
    case 'tool_use':
      return reason;
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

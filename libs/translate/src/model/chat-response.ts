import type { ReasoningPart, TextPart, ToolCallPart } from './chat-request';
import type { StopReason } from './stop-reason';
import type { Usage } from './usage';

export type OutputPart = TextPart | ReasoningPart | ToolCallPart;

/** The internal shape of a complete (non-streamed) answer. */
export interface ChatResponse {
  /** The provider's id of the answer. */
  id: string;
  /** The model that answered, as the provider named it. */
  model: string;
  /** In the order the model produced it. */
  content: OutputPart[];
  stopReason: StopReason;
  /** The stop sequence that ended the answer, when the provider says which. */
  stopSequence?: string;
  usage: Usage;
}

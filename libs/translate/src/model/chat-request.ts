/**
 * The internal shape of a chat request: every client protocol decodes into it, every provider protocol encodes out
 * of it. It holds what the protocols share; a field a protocol has and the others lack is either mapped here,
 * refused by the decoder (UntranslatableFeatureError) or reported as a dropped hint.
 */
export interface TextPart {
  type: 'text';
  text: string;
}

export type ImageSource =
  | { kind: 'url'; url: string }
  /** Base64 data, passed by reference (never copied or re-encoded). */
  | { kind: 'base64'; mediaType: string; data: string };

export interface ImagePart {
  type: 'image';
  source: ImageSource;
}

export interface ToolCallPart {
  type: 'tool_call';
  /** As the client or provider gave it; Gemini's calls get a synthesised one (see shared/tool-call-ids.ts). */
  id: string;
  name: string;
  /** JSON text of the arguments object, as OpenAI carries it. */
  arguments: string;
  /** Gemini's thought signature of this call, which Gemini 3 requires back with the call in later turns. */
  thoughtSignature?: string;
}

export interface ToolResultPart {
  type: 'tool_result';
  toolCallId: string;
  /** The called tool's name when the protocol says it (Gemini needs it; the others match by id). */
  name?: string;
  content: Array<TextPart | ImagePart>;
  isError: boolean;
}

/**
 * Reasoning the model produced in an earlier turn. Only Anthropic needs it back (with its signature, or as redacted
 * data); it is carried so that a signed thinking block survives a round trip through any client protocol.
 */
export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  /** Anthropic's signature over the thinking text. */
  signature?: string;
  /** Anthropic's redacted_thinking data (no text). */
  redactedData?: string;
}

export type UserPart = TextPart | ImagePart;
export type AssistantPart = TextPart | ToolCallPart | ReasoningPart;

export type ChatMessage =
  | { role: 'user'; content: UserPart[] }
  | { role: 'assistant'; content: AssistantPart[] }
  | { role: 'tool'; content: ToolResultPart[] };

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
  /** OpenAI/Anthropic strict mode: the arguments must match the schema exactly. */
  strict?: boolean;
}

export type ToolChoice = { type: 'auto' } | { type: 'none' } | { type: 'required' } | { type: 'tool'; name: string };

export type OutputFormat =
  | { type: 'json_object' }
  | { type: 'json_schema'; name?: string; description?: string; schema: Record<string, unknown>; strict?: boolean };

export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

/**
 * `off`: the client asked for no reasoning. `on`: reasoning at an effort level or with a token budget (both absent:
 * the provider decides, Gemini's dynamic thinking). `includeThoughts`: the client wants the reasoning text back.
 */
export type ReasoningConfig =
  | { mode: 'off' }
  | { mode: 'on'; effort?: ReasoningEffort; budgetTokens?: number; includeThoughts?: boolean };

export interface ChatRequest {
  system: TextPart[];
  messages: ChatMessage[];
  tools: ToolDefinition[];
  toolChoice?: ToolChoice;
  /** false: at most one tool call per turn. */
  parallelToolCalls?: boolean;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  output?: OutputFormat;
  reasoning?: ReasoningConfig;
  stream: boolean;
  /** An OpenAI chat client's `stream_options.include_usage`: its stream ends with a usage chunk. */
  streamIncludeUsage?: boolean;
  /** An end-user id for the provider's abuse monitoring (OpenAI `user`, Anthropic `metadata.user_id`). */
  user?: string;
}

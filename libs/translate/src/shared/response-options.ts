import { withThoughtSignature } from './tool-call-ids';

/** What a client-side encoder needs besides the answer. */
export interface ResponseEncodeOptions {
  /** The model as the client named it (every answer carries back the client's name). */
  model: string;
  /** The id the client sees; by default the provider's, with the client protocol's prefix. */
  id?: string;
  /** Creation time in Unix seconds; by default now. */
  created?: number;
}

/** `prefix` + id, unless the id already has it (`msg_…` stays itself for an Anthropic client). */
export function withPrefix(prefix: string, id: string): string {
  if (id.length === 0) return `${prefix}${Date.now().toString(36)}`;
  return id.startsWith(prefix) ? id : `${prefix}${id}`;
}

/** The id a client sees for a tool call: a Gemini thought signature travels inside it (tool-call-ids.ts). */
export function clientToolCallId(part: { id: string; thoughtSignature?: string }): string {
  return withThoughtSignature(part.id, part.thoughtSignature);
}

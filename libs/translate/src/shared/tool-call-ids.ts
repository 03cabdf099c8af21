import { createHash, randomBytes } from 'node:crypto';

/**
 * Tool call ids must survive a round trip through any client protocol: the client gets an id with each call and sends
 * it back with the result. Three provider quirks are handled here:
 *
 * - Gemini has no ids of its own (or optional ones): calls get a synthesised id, and a result is matched back to its
 *   call by name and order (protocols/gemini/request.ts).
 * - Gemini 3 needs each call's thought signature back with the call in later turns. The only field of a tool call
 *   that every client protocol returns untouched is its id, so the signature travels inside it
 *   (`<id>__thought__<signature as base64url>`), in characters every provider accepts in an id.
 * - OpenAI accepts ids of at most 40 characters and Anthropic only `[A-Za-z0-9_-]`: an id from elsewhere that breaks
 *   the rule is replaced by a hash of itself, the same for the call and for its result.
 */
const SIGNATURE_MARK = '__thought__';
const ANTHROPIC_ID = /^[A-Za-z0-9_-]+$/;
const OPENAI_MAX_ID_LENGTH = 40;

export function newToolCallId(): string {
  return `call_${randomBytes(12).toString('base64url')}`;
}

/** The id a client sees for a call that carries a Gemini thought signature. */
export function withThoughtSignature(id: string, signature: string | undefined): string {
  if (signature === undefined || signature.length === 0 || id.includes(SIGNATURE_MARK)) return id;
  const base64url = signature.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${id}${SIGNATURE_MARK}${base64url}`;
}

/** The Gemini thought signature a client's tool call id carries, in Gemini's base64, or undefined. */
export function thoughtSignatureOf(id: string): string | undefined {
  const at = id.indexOf(SIGNATURE_MARK);
  if (at < 0) return undefined;
  const base64url = id.slice(at + SIGNATURE_MARK.length);
  if (base64url.length === 0) return undefined;
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  return base64 + '='.repeat((4 - (base64.length % 4)) % 4);
}

function digest(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** The id to send an OpenAI channel: the client's own when it fits. */
export function openAiToolCallId(id: string): string {
  return id.length <= OPENAI_MAX_ID_LENGTH ? id : `call_${digest(id).slice(0, OPENAI_MAX_ID_LENGTH - 5)}`;
}

/** The id to send an Anthropic channel: the client's own when it fits. */
export function anthropicToolCallId(id: string): string {
  return ANTHROPIC_ID.test(id) ? id : `toolu_${digest(id).slice(0, 32)}`;
}

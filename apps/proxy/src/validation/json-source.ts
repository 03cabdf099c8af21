import type { JsonSource } from './json-document';

/** A body the proxy parsed itself, or a copy of one with top-level fields set: its text, and the document parsed from it. */
interface SourcedBody {
  source: JsonSource;
  document: Record<string, unknown>;
}

/** By body object: bodies are read-only once parsed (a change is a copy with top-level fields set: deriveBody). */
const sources = new WeakMap<object, SourcedBody>();

/** Remembers the text `document` was parsed from (the body parser, for documents parsed on the event loop). */
export function rememberSource(document: object, source: JsonSource): void {
  sources.set(document, { source, document: document as Record<string, unknown> });
}

/** Copies declared by deriveBody -> the body they were copied from first (a copy of a copy: the first body). */
const origins = new WeakMap<object, object>();

/**
 * Declares `copy` a copy of `from` with some top-level fields set, added or removed (never a change deeper down): its
 * upstream body can still be written from the client's text (upstreamBytes), or from the bytes a worker thread
 * parsed or wrote (JsonOffload, through originOf).
 */
export function deriveBody(copy: object, from: object): void {
  if (copy === from) return;
  origins.set(copy, origins.get(from) ?? from);
  const sourced = sources.get(from);
  if (sourced !== undefined) sources.set(copy, sourced);
}

/** The body `body` is a copy of (deriveBody), or `body` itself. */
export function originOf(body: object): object {
  return origins.get(body) ?? body;
}

/**
 * What `copy` (deriveBody) changes in `origin`: its top-level fields that are not the very values of `origin`, and
 * undefined for those it removed (JSON.stringify leaves out an undefined field), in `copy`'s order. Setting them on
 * `origin` in this order, a field already present keeping its place, gives `copy`.
 */
export function topLevelChanges(origin: Record<string, unknown>, copy: Record<string, unknown>): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const key of Object.keys(copy)) if (!hasOwn(origin, key) || copy[key] !== origin[key]) changes[key] = copy[key];
  for (const key of Object.keys(origin)) if (!hasOwn(copy, key)) changes[key] = undefined;
  return changes;
}

const COMMA = Buffer.from(',');
const OPEN_BRACE = Buffer.from('{');
const CLOSE_BRACE = Buffer.from('}');

/**
 * The upstream body `{ ...body, ...overrides }` as JSON, written from the client's own bytes: the very bytes when no
 * field changes, else the client's members as they were sent (unchanged ones), the changed ones serialised, new ones
 * at the end. Null when `body` was not parsed by the proxy from its text (the caller serialises it).
 *
 * A provider reads it as the proxy read the client's text: the text has no duplicate keys (JsonSource), each member is
 * kept or replaced whole, and top-level key order carries no meaning in JSON. A field counts as unchanged when it
 * holds the very value parsed (===): documents are never changed in place.
 */
export function upstreamBytes(body: Record<string, unknown>, overrides: Record<string, unknown>): Buffer | null {
  const sourced = sources.get(body);
  if (sourced === undefined) return null;
  const { source, document } = sourced;
  const valueOf = (key: string): unknown => (hasOwn(overrides, key) ? overrides[key] : hasOwn(body, key) ? body[key] : undefined);
  const added = (key: string) => !hasOwn(document, key) && valueOf(key) !== undefined;
  // Most requests change nothing, or the model alone: find out before building anything.
  const changed =
    source.members.some((member) => valueOf(member.key) !== document[member.key]) ||
    Object.keys(body).some(added) ||
    Object.keys(overrides).some(added);
  if (!changed) return source.bytes;

  const parts: Uint8Array[] = [OPEN_BRACE];
  const add = (part: Uint8Array) => {
    if (parts.length > 1) parts.push(COMMA);
    parts.push(part);
  };
  for (const member of source.members) {
    const value = valueOf(member.key);
    if (value === document[member.key]) add(source.bytes.subarray(member.keyStart, member.valueEnd));
    else addMember(add, member.key, value);
  }
  const keys = new Set([...Object.keys(body), ...Object.keys(overrides)]);
  for (const key of keys) if (!hasOwn(document, key)) addMember(add, key, valueOf(key));
  parts.push(CLOSE_BRACE);
  return Buffer.concat(parts);
}

const hasOwn = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);

/** Adds `"key":value` as JSON.stringify writes a member; nothing for a value it leaves out (undefined). */
function addMember(add: (part: Uint8Array) => void, key: string, value: unknown): void {
  const json = JSON.stringify(value) as string | undefined;
  if (json !== undefined) add(Buffer.from(`${JSON.stringify(key)}:${json}`));
}

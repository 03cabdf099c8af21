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

/**
 * Declares `copy` a copy of `from` with some top-level fields set, added or removed (never a change deeper down): its
 * upstream body can still be written from the client's text (upstreamBytes).
 */
export function deriveBody(copy: object, from: object): void {
  const sourced = sources.get(from);
  if (sourced !== undefined && copy !== from) sources.set(copy, sourced);
}

const COMMA = Buffer.from(',');

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
  const wanted: Record<string, unknown> = { ...body, ...overrides };
  const parts: Uint8Array[] = [];
  const placed = new Set<string>();
  let changed = false;
  const add = (part: Uint8Array) => {
    if (parts.length > 1) parts.push(COMMA);
    parts.push(part);
  };
  parts.push(Buffer.from('{'));
  for (const member of source.members) {
    placed.add(member.key);
    const value = Object.prototype.hasOwnProperty.call(wanted, member.key) ? wanted[member.key] : undefined;
    if (value === document[member.key]) {
      add(source.bytes.subarray(member.keyStart, member.valueEnd));
      continue;
    }
    changed = true;
    const replaced = serialisedMember(member.key, value);
    if (replaced !== null) add(replaced);
  }
  for (const key of Object.keys(wanted)) {
    if (placed.has(key)) continue;
    const added = serialisedMember(key, wanted[key]);
    if (added === null) continue;
    changed = true;
    add(added);
  }
  if (!changed) return source.bytes;
  parts.push(Buffer.from('}'));
  return Buffer.concat(parts);
}

/** `"key":value` as JSON.stringify writes a member, or null for a value it leaves out (undefined). */
function serialisedMember(key: string, value: unknown): Buffer | null {
  const json = JSON.stringify(value) as string | undefined;
  return json === undefined ? null : Buffer.from(`${JSON.stringify(key)}:${json}`);
}

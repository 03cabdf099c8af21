import { isUtf8 } from 'node:buffer';
import secureJsonParse from 'secure-json-parse';
import { type JsonScan, type LongString, MAX_JSON_DEPTH, scanJson, type TopLevelMember } from './json-depth';
import { decodeJsonString } from './json-string';

/**
 * The text a top-level object was parsed from, with its members located: enough to send the client's own bytes
 * upstream, or them with a few top-level fields replaced (validation/json-source.ts). Only for text without duplicate
 * keys, so that every parser reads it as the proxy did.
 */
export interface JsonSource {
  /** The JSON text (UTF-8, byte-order mark excluded). */
  bytes: Buffer;
  members: TopLevelMember[];
}

/** A long string value decoded in pieces, where it sits, and its UTF-8 length (measuring the rope would flatten it). */
export interface MeasuredText {
  holder: object;
  field: string | number;
  text: string;
  utf8Bytes: number;
}

export type ParsedJson =
  | { value: unknown; source?: JsonSource; measured?: MeasuredText[]; problem?: undefined }
  | { problem: string; value?: undefined; source?: undefined; measured?: undefined };

const PROTOTYPE_POISONING = { protoAction: 'error', constructorAction: 'error' } as const;

const hasByteOrderMark = (bytes: Buffer) => bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;

/** How many keys the objects of a parsed document hold in all (fewer than in its text when a key was repeated). */
export function countKeys(root: unknown): number {
  let keys = 0;
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) pending.push(item);
      continue;
    }
    const record = value as Record<string, unknown>;
    const own = Object.keys(record);
    keys += own.length;
    for (const key of own) {
      const item = record[key];
      if (typeof item === 'object' && item !== null) pending.push(item);
    }
  }
  return keys;
}

/**
 * Request body bytes -> JSON value, or the 400 message saying why not. The one parse of the proxy, whether it runs
 * on the event loop (small bodies) or in a worker thread (large ones, validation/json-offload.ts), so that both give
 * the same answers: bytes that are not UTF-8 are refused rather than silently turned into U+FFFD (which would change
 * what the client meant, and what upstream is asked and charged); nesting past MAX_JSON_DEPTH is refused before
 * parsing; `__proto__` and `constructor.prototype` keys are refused (prototype poisoning), as Fastify's parser does.
 * One pass over the bytes (json-depth.ts) checks the depth and finds the keys: text without a key that could be one of
 * those two names is parsed by JSON.parse alone (secure-json-parse would only scan it again to find none). Long string
 * values (a prompt, a file) are decoded on their own, in pieces: decoding the whole text, then parsing such a string
 * out of it, would each allocate a large object (json-string.ts says why that is slow).
 *
 * With `keepSource` (the event loop's parse), an object parsed from text without duplicate keys comes with its
 * JsonSource, and the long strings decoded in pieces come measured.
 */
export function parseJsonDocument(bytes: Buffer, keepSource = false): ParsedJson {
  if (bytes.length === 0) return { problem: 'Request body is empty: expected a JSON object' };
  if (!isUtf8(bytes)) return { problem: 'Request body is not valid UTF-8' };
  const text = hasByteOrderMark(bytes) ? bytes.subarray(3) : bytes;
  const scan = scanJson(text);
  if (scan === null) {
    return { problem: `Request body is nested too deeply: at most ${MAX_JSON_DEPTH} levels of objects and arrays` };
  }
  let value: unknown;
  let keysParsed: number | null = null;
  let measured: MeasuredText[] | null = null;
  try {
    if (scan.longStrings.length > 0) {
      value = parseText(withoutLongStrings(text, scan.longStrings), scan);
      keysParsed = countKeys(value);
      // A repeated key could have hidden where a long string belongs: parse the whole text as it is (rare).
      measured = keysParsed === scan.keys ? restoreLongStrings(value, text, scan.longStrings) : null;
      if (measured === null) {
        value = parseText(text.toString('utf8'), scan);
        keysParsed = null;
      }
    } else {
      value = parseText(text.toString('utf8'), scan);
    }
  } catch {
    return { problem: 'Request body is not valid JSON' };
  }
  if (!keepSource) return { value };
  const found = measured === null || measured.length === 0 ? {} : { measured };
  if (scan.members === null || (keysParsed ?? countKeys(value)) !== scan.keys) return { value, ...found };
  return { value, source: { bytes: text, members: scan.members }, ...found };
}

/** JSON.parse, or secure-json-parse when a key may be `__proto__` or `constructor` (it throws on poisoning). */
function parseText(text: string, scan: JsonScan): unknown {
  return scan.suspiciousKeys ? secureJsonParse.parse(text, PROTOTYPE_POISONING) : JSON.parse(text);
}

/**
 * The text with every long string value replaced by `""`. It parses exactly when the text does, provided the long
 * strings are valid JSON strings themselves (decodeJsonString checks them): the rest of the text is the same bytes.
 */
function withoutLongStrings(text: Buffer, longStrings: LongString[]): string {
  let reduced = '';
  let from = 0;
  for (const long of longStrings) {
    reduced += `${text.toString('utf8', from, long.start)}""`;
    from = long.end + 1;
  }
  return reduced + text.toString('utf8', from);
}

/**
 * Puts each long string, decoded in pieces (json-string.ts), where its `""` stands in the parsed document; returns
 * them measured. Null when a path does not lead to a `""` (never for text that parsed; the caller then parses the
 * whole text): nothing is set.
 */
function restoreLongStrings(document: unknown, text: Buffer, longStrings: LongString[]): MeasuredText[] | null {
  const parents: Record<string | number, unknown>[] = [];
  for (const { path } of longStrings) {
    let parent = document as Record<string | number, unknown> | undefined;
    for (let d = 0; d < path.length - 1 && typeof parent === 'object' && parent !== null; d++) {
      parent = parent[path[d]] as Record<string | number, unknown> | undefined;
    }
    if (typeof parent !== 'object' || parent === null || parent[path[path.length - 1]] !== '') return null;
    parents.push(parent);
  }
  return longStrings.map((long, n) => {
    const field = long.path[long.path.length - 1];
    const { text: decoded, utf8Bytes } = decodeJsonString(text, long.start, long.end);
    parents[n][field] = decoded;
    return { holder: parents[n], field, text: decoded, utf8Bytes };
  });
}

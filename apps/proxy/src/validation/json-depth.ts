/**
 * The deepest nesting of objects and arrays a request body may have. Everything after parsing (validation, pricing,
 * serialising for upstream) walks the body, some of it recursively: 1,500 levels fit in 3 KB and used to overflow
 * the stack (a 500). Real requests stay far below 100: a chat message with content parts is 5 levels deep, an
 * Anthropic tool result inside a message 7, and the JSON Schemas of tool definitions and structured outputs add their
 * own nesting on top (OpenAI's strict structured outputs allow 10 levels of schema nesting, each level being two JSON
 * levels: `properties` then the property). 100 leaves a wide margin for those and bounds every walk.
 */
export const MAX_JSON_DEPTH = 100;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** One member of the top-level object, as byte offsets into the text: `"key": value` is [keyStart, valueEnd). */
export interface TopLevelMember {
  /** The key as JSON.parse reads it (escapes undone). */
  key: string;
  keyStart: number;
  /** Just past the value (before the `,` or `}` that follows it, whitespace included). */
  valueEnd: number;
}

/**
 * String values at least this long are located by the scan, to be decoded on their own (json-document.ts): strings
 * of more than about 128 KB go to V8's large-object space, where every allocation maps fresh memory.
 */
export const LONG_STRING_BYTES = 32 * 1024;

/** Where a string value sits: its quotes' offsets, and its path from the root (keys, array indices). */
export interface LongString {
  start: number;
  end: number;
  path: (string | number)[];
}

/** What one pass over JSON text learned about it (meaningful only for text that then parses). */
export interface JsonScan {
  /** How many object keys the text holds, at any depth (duplicates counted each time). */
  keys: number;
  /** Whether a key may read as `__proto__` or `constructor` (literally, or through an escape). */
  suspiciousKeys: boolean;
  /** The members of the top-level object in text order; null when the text is not an object. */
  members: TopLevelMember[] | null;
  /** The string values of at least LONG_STRING_BYTES (not keys), in text order. */
  longStrings: LongString[];
}

const isWhitespace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

function skipWhitespace(bytes: Uint8Array, from: number): number {
  let at = from;
  while (at < bytes.length && isWhitespace(bytes[at])) at++;
  return at;
}

/** Whether the key in bytes [start, end) (between its quotes) has an escape, or spells a prototype-poisoning name. */
function isSuspiciousKey(bytes: Buffer, start: number, end: number): boolean {
  const length = end - start;
  for (let i = start; i < end; i++) if (bytes[i] === BACKSLASH) return true;
  if (length === 9) return bytes.toString('latin1', start, end) === '__proto__';
  if (length === 11) return bytes.toString('latin1', start, end) === 'constructor';
  return false;
}

/** A key as JSON.parse reads it, from its bytes [quote, closingQuote]. */
function keyText(bytes: Buffer, quote: number, closingQuote: number): string {
  for (let i = quote + 1; i < closingQuote; i++) {
    if (bytes[i] !== BACKSLASH) continue;
    try {
      return JSON.parse(bytes.toString('utf8', quote, closingQuote + 1)) as string;
    } catch {
      // Not a valid string: the text does not parse, and the scan's answer does not matter.
      return bytes.toString('utf8', quote + 1, closingQuote);
    }
  }
  return bytes.toString('utf8', quote + 1, closingQuote);
}

interface Frames {
  inArray: Uint8Array;
  index: Int32Array;
  keyQuote: Int32Array;
  keyClose: Int32Array;
}

const newFrames = (size: number): Frames => ({
  inArray: new Uint8Array(size),
  index: new Int32Array(size),
  keyQuote: new Int32Array(size),
  keyClose: new Int32Array(size),
});

/** Reused by every scan (a scan runs to its end synchronously): allocating them costs more than scanning a short body. */
const sharedFrames = newFrames(MAX_JSON_DEPTH + 2);

function frames(size: number): Frames {
  return size <= sharedFrames.index.length ? sharedFrames : newFrames(size);
}

/**
 * One linear pass over JSON text: null when objects and arrays nest deeper than `limit`, else what the parser and the
 * upstream body need (JsonScan). Brackets inside strings do not count; strings are skipped with Buffer#indexOf
 * (memchr), so text-heavy bodies cost little. Meant to run before parsing; on text that is not valid JSON the answer
 * does not matter (the parse refuses it anyway).
 */
export function scanJson(bytes: Buffer, limit: number = MAX_JSON_DEPTH): JsonScan | null {
  let depth = 0;
  let keys = 0;
  let suspiciousKeys = false;
  const length = bytes.length;
  const first = skipWhitespace(bytes, 0);
  const members: TopLevelMember[] | null = bytes[first] === OPEN_BRACE ? [] : null;
  const longStrings: LongString[] = [];
  // The top-level member whose value is being read (its end is the next `,` or `}` at depth 1).
  let open: TopLevelMember | null = null;
  // Per depth: whether the container is an array, its current index, or the quotes of its current key.
  const { inArray, index, keyQuote, keyClose } = frames(limit + 2);
  const pathTo = (): (string | number)[] => {
    const path: (string | number)[] = [];
    for (let d = 1; d <= depth; d++) path.push(inArray[d] === 1 ? index[d] : keyText(bytes, keyQuote[d], keyClose[d]));
    return path;
  };
  for (let i = first; i < length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) {
      const close = endOfString(bytes, i + 1);
      const next = skipWhitespace(bytes, close + 1);
      if (bytes[next] === COLON) {
        keys++;
        if (!suspiciousKeys && isSuspiciousKey(bytes, i + 1, close)) suspiciousKeys = true;
        if (depth === 1 && members !== null) {
          open = { key: keyText(bytes, i, close), keyStart: i, valueEnd: length };
          members.push(open);
        }
        keyQuote[depth] = i;
        keyClose[depth] = close;
        i = next;
      } else {
        if (close - i > LONG_STRING_BYTES && close < length && depth > 0) longStrings.push({ start: i, end: close, path: pathTo() });
        i = close;
      }
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > limit) return null;
      inArray[depth] = byte === OPEN_BRACKET ? 1 : 0;
      index[depth] = 0;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      if (depth === 1 && open !== null) {
        open.valueEnd = i;
        open = null;
      }
      depth--;
    } else if (byte === COMMA) {
      if (depth > 0) index[depth]++;
      if (depth === 1 && open !== null) {
        open.valueEnd = i;
        open = null;
      }
    }
  }
  return { keys, suspiciousKeys, members, longStrings };
}

/** The index of the quote closing the string that starts at `from` (its first character), or the end of the text. */
function endOfString(bytes: Buffer, from: number): number {
  let at = from;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, at);
    if (quote < 0) return bytes.length;
    // The quote is escaped when an odd number of backslashes precede it.
    let backslashes = 0;
    for (let j = quote - 1; j >= from && bytes[j] === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

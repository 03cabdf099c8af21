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
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether JSON text nests objects and arrays deeper than `limit`, in one linear pass over the bytes (brackets inside
 * strings do not count). Meant to run before parsing; on text that is not valid JSON the answer does not matter
 * (the parse refuses it anyway). Strings are skipped with Buffer#indexOf (memchr), so text-heavy bodies cost little.
 */
export function exceedsJsonDepth(bytes: Buffer, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) {
      i = endOfString(bytes, i + 1);
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
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

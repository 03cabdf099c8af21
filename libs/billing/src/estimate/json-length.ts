/**
 * The UTF-8 length of JSON.stringify(value) without building the string: the token bound holds structured values
 * (tool calls and results, schemas, fields the gateway does not know) at their JSON text's length, and serialising
 * them only to measure them cost an 11 MB body of an agent's tool calls 25-40 ms of event loop and 8 MB of garbage.
 * Exactly Buffer.byteLength(JSON.stringify(value)) for JSON data (what a parsed body holds, and plain objects and
 * arrays built from it); anything else (toJSON, class instances, boxed primitives, BigInt) is measured by serialising
 * it, so the answer is the same for every value.
 */
export function jsonUtf8Length(value: unknown): number {
  const length = dataLength(value);
  return length >= 0 ? length : Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** What JSON.stringify escapes in a string: quote, backslash, control characters. */
const ESCAPED = /["\\\u0000-\u001f]/;
/** A surrogate not part of a pair (the `u` flag reads a pair as one code point). */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** UTF-8 length of JSON.stringify(text): its UTF-8 bytes, the quotes, and what its escapes add. */
function stringLength(text: string): number {
  // A lone surrogate is written as \uXXXX (6 bytes) where Buffer.byteLength counts the 3 of U+FFFD: measured as written.
  if (LONE_SURROGATE.test(text)) return Buffer.byteLength(JSON.stringify(text), 'utf8');
  let length = 2 + Buffer.byteLength(text, 'utf8');
  if (!ESCAPED.test(text)) return length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // \b \t \n \f \r \" \\: two bytes for one; any other control character: \u00XX, six for one.
    if (code === 0x22 || code === 0x5c) length += 1;
    else if (code < 0x20) length += code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 1 : 5;
  }
  return length;
}

/** JSON.stringify skips these as object members and writes them as null in arrays. */
const omitted = (value: unknown) => value === undefined || typeof value === 'function' || typeof value === 'symbol';

/** The length of JSON data; -1 for a value JSON.stringify would treat otherwise than as plain data. */
function dataLength(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return stringLength(value);
    case 'number':
      // Number::toString, ASCII; NaN and the infinities are written null.
      return Number.isFinite(value) ? String(value).length : 4;
    case 'boolean':
      return value ? 4 : 5;
    case 'object':
      return value === null ? 4 : containerLength(value);
    default:
      return -1;
  }
}

function containerLength(value: object): number {
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (Array.isArray(value)) {
    if (prototype !== Array.prototype || 'toJSON' in value) return -1;
    // Brackets and commas.
    let length = value.length === 0 ? 2 : value.length + 1;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const itemLength = omitted(item) ? 4 : dataLength(item);
      if (itemLength < 0) return -1;
      length += itemLength;
    }
    return length;
  }
  if ((prototype !== Object.prototype && prototype !== null) || 'toJSON' in value || (JSON as { isRawJSON?: (v: unknown) => boolean }).isRawJSON?.(value)) return -1;
  let length = 2;
  let members = 0;
  for (const key of Object.keys(value)) {
    const member: unknown = (value as Record<string, unknown>)[key];
    if (omitted(member)) continue;
    const memberLength = dataLength(member);
    if (memberLength < 0) return -1;
    // The key, its colon, and a comma before every member but the first.
    length += (members++ === 0 ? 0 : 1) + stringLength(key) + 1 + memberLength;
  }
  return length;
}

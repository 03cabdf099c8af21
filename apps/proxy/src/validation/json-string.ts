/**
 * Decodes a long JSON string value without ever holding it, or the text around it, as one large flat string. V8 puts
 * strings of more than about 128 KB in its large-object space, where each one maps fresh memory: on the 2-core
 * development VM, decoding a 183 KB body to a string costs about 1 ms, nearly all of it page faults, against 10 µs for
 * 60 KB. Pieces of PIECE_BYTES are decoded with JSON.parse (escapes and all) and concatenated, which V8 does without
 * copying (a rope). Its UTF-8 length is measured on the way, so that the token bound need not flatten it
 * (@gw/billing measured-texts.ts).
 */
export const PIECE_BYTES = 32 * 1024;

const BACKSLASH = 0x5c;
/** The longest escape, `\uXXXX`. */
const LONGEST_ESCAPE = 6;

const isContinuationByte = (byte: number) => (byte & 0xc0) === 0x80;

/**
 * A cut at or after `at`, before `end`, that splits neither a UTF-8 sequence nor an escape: a character start with no
 * backslash in the 5 bytes before it (an escape starting there would still be running), or an escape's own backslash
 * (one preceded by an even run of backslashes). `end` when there is none.
 */
export function cutPoint(bytes: Uint8Array, at: number, end: number, floor: number): number {
  for (let p = at; p < end; p++) {
    const byte = bytes[p];
    if (isContinuationByte(byte)) continue;
    let run = 0;
    while (p - run - 1 >= floor && bytes[p - run - 1] === BACKSLASH) run++;
    if (byte === BACKSLASH && run % 2 === 0) return p;
    let escapeNear = false;
    for (let q = Math.max(floor, p - (LONGEST_ESCAPE - 1)); q < p; q++) {
      if (bytes[q] === BACKSLASH) {
        escapeNear = true;
        break;
      }
    }
    if (!escapeNear) return p;
  }
  return end;
}

/**
 * The JSON string whose quotes are at `quote` and `closingQuote` in `bytes` (valid UTF-8), as JSON.parse reads it, and
 * its length in UTF-8 as Buffer.byteLength would count it (summed over the pieces: measuring the rope would flatten
 * it); throws as JSON.parse does when it is not a valid JSON string (a raw control character, a bad escape). Cutting
 * an escaped surrogate pair in two is harmless: the halves concatenate back to the same UTF-16 code units.
 */
export function decodeJsonString(
  bytes: Buffer,
  quote: number,
  closingQuote: number,
  pieceBytes = PIECE_BYTES,
): { text: string; utf8Bytes: number } {
  const floor = quote + 1;
  let text = '';
  let utf8Bytes = 0;
  let previous = '';
  for (let from = floor; from < closingQuote; ) {
    const to = from + pieceBytes >= closingQuote ? closingQuote : cutPoint(bytes, from + pieceBytes, closingQuote, floor);
    const piece = JSON.parse(`"${bytes.toString('utf8', from, to)}"`) as string;
    utf8Bytes += Buffer.byteLength(piece, 'utf8');
    // A surrogate pair cut in two: each half alone counts 3 bytes (as U+FFFD), the pair 4.
    if (isHighSurrogate(previous.charCodeAt(previous.length - 1)) && isLowSurrogate(piece.charCodeAt(0))) utf8Bytes -= 2;
    text += piece;
    previous = piece;
    from = to;
  }
  return { text, utf8Bytes };
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

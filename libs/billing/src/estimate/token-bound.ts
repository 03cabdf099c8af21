import { jsonUtf8Length } from './json-length';
import type { RequestText } from './request-text';

/**
 * An upper bound of the tokens a byte-level BPE tokenizer (OpenAI's, Anthropic's) can make of the request's text:
 * every token covers at least one byte of UTF-8, so a text of n bytes is at most n tokens. Reads the texts' lengths
 * only: linear, native, a few milliseconds for 10 MB, whatever the text; nothing for a long text the body parser
 * measured already (measured-texts.ts); structured values' JSON lengths without serialising them (json-length.ts).
 */
export function tokenBound(text: RequestText): number {
  return text.allowanceTokens + textBytes(text);
}

/** The JSON length of each request's structured values, by their list: measured once (a hold reads it up to 3 times). */
const valueBytes = new WeakMap<readonly unknown[], number>();

function jsonBytes(values: readonly unknown[]): number {
  let bytes = valueBytes.get(values);
  if (bytes === undefined) {
    bytes = 0;
    for (const value of values) bytes += jsonUtf8Length(value);
    valueBytes.set(values, bytes);
  }
  return bytes;
}

/** UTF-8 bytes of the request's texts (what an exact count would have to read). */
export function textBytes(text: RequestText): number {
  let bytes = 0;
  const { pieces, measuredBytes } = text;
  for (let i = 0; i < pieces.length; i++) bytes += measuredBytes?.get(i) ?? Buffer.byteLength(pieces[i], 'utf8');
  return text.values === undefined ? bytes : bytes + jsonBytes(text.values);
}

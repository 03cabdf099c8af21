import type { RequestText } from './request-text';

/**
 * An upper bound of the tokens a byte-level BPE tokenizer (OpenAI's, Anthropic's) can make of the request's text:
 * every token covers at least one byte of UTF-8, so a text of n bytes is at most n tokens. Reads the texts' lengths
 * only: linear, native, a few milliseconds for 10 MB, whatever the text.
 */
export function tokenBound(text: RequestText): number {
  let tokens = text.allowanceTokens;
  for (const piece of text.pieces) tokens += Buffer.byteLength(piece, 'utf8');
  return tokens;
}

/** UTF-8 bytes of the request's texts (what an exact count would have to read). */
export function textBytes(text: RequestText): number {
  let bytes = 0;
  for (const piece of text.pieces) bytes += Buffer.byteLength(piece, 'utf8');
  return bytes;
}

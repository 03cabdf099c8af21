import type { RequestText } from './request-text';

/**
 * An upper bound of the tokens a byte-level BPE tokenizer (OpenAI's, Anthropic's) can make of the request's text:
 * every token covers at least one byte of UTF-8, so a text of n bytes is at most n tokens. Reads the texts' lengths
 * only: linear, native, a few milliseconds for 10 MB, whatever the text; nothing for a long text the body parser
 * measured already (measured-texts.ts).
 */
export function tokenBound(text: RequestText): number {
  return text.allowanceTokens + textBytes(text);
}

/** UTF-8 bytes of the request's texts (what an exact count would have to read). */
export function textBytes(text: RequestText): number {
  let bytes = 0;
  const { pieces, measuredBytes } = text;
  for (let i = 0; i < pieces.length; i++) bytes += measuredBytes?.get(i) ?? Buffer.byteLength(pieces[i], 'utf8');
  return bytes;
}

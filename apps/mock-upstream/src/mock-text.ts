// The mock's tokens are words: each filler word is a single token in OpenAI's cl100k/o200k encodings when preceded by a
// space, so the reply text costs exactly as many tokens as the usage the mock reports.
const FILLER = 'the of and to in is it that for on with as was at by be this are from or'.split(' ');

/** Stream pieces: the first word bare, every following word with its leading space. */
const PIECES = ['mock', ' reply', ...FILLER.map((word) => ` ${word}`)];
const FILLER_START = 2;
const FILLER_COUNT = FILLER.length;

/** The i-th piece (0-based) of the reply, as sent in the i-th content chunk of a stream. */
export function replyPiece(i: number): string {
  return PIECES[pieceIndex(i)];
}

const PIECES_JSON = PIECES.map((piece) => JSON.stringify(piece));

/** The i-th piece as a JSON string literal, for streams assembled from strings. */
export function replyPieceJson(i: number): string {
  return PIECES_JSON[pieceIndex(i)];
}

function pieceIndex(i: number): number {
  return i < FILLER_START ? i : FILLER_START + ((i - FILLER_START) % FILLER_COUNT);
}

const CACHE_LIMIT = 512;
const replyCache: string[] = [];

/** The reply text of exactly `words` words: "mock reply the of and ...". */
export function replyText(words: number): string {
  if (words < CACHE_LIMIT) return (replyCache[words] ??= buildReply(words));
  return buildReply(words);
}

function buildReply(words: number): string {
  let text = '';
  for (let i = 0; i < words; i++) text += replyPiece(i);
  return text;
}

/** Number of whitespace-separated words, whitespace being exactly what `/\s/` matches. */
export function countWords(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = isWhitespace(text.charCodeAt(i));
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

function isWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

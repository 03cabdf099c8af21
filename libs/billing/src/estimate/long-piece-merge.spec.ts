import o200k from 'gpt-tokenizer/encoding/o200k_base';
import cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import { mergeLongPiece } from './long-piece-merge';

/** gpt-tokenizer's own merge and rank lookup (not in its typings): what mergeLongPiece must agree with. */
interface MergeCore {
  bytePairMerge(piece: Uint8Array): number[];
  getBpeRankFromBytes(bytes: Uint8Array): number | undefined;
}
const coreOf = (encoding: unknown) =>
  (encoding as { bytePairEncodingCoreProcessor: MergeCore }).bytePairEncodingCoreProcessor;

/** A deterministic pseudo-random source, so that a failure can be replayed. */
function randomFrom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function text(random: () => number, alphabet: string[], length: number): string {
  let result = '';
  while (result.length < length) result += alphabet[Math.floor(random() * alphabet.length)];
  return result;
}

const ALPHABETS: Record<string, string[]> = {
  'lower-case letters': [...'abcdefghijklmnopqrstuvwxyz'],
  'a few letters': [...'aab'],
  'mixed case': [...'aAbBzZqQ'],
  punctuation: [...'_-=*#.,;:!?/'],
  'non-Latin and emoji': ['日', '本', '語', 'é', 'ß', 'Ж', '😀', '👍🏽', 'ا', 'ب'],
};

describe(mergeLongPiece.name, () => {
  const encoder = new TextEncoder();

  it.each(Object.keys(ALPHABETS))('merges a piece of %s exactly as the tokenizer does', (name) => {
    const random = randomFrom(name.length);
    for (const [label, encoding] of [['o200k', o200k], ['cl100k', cl100k]] as const) {
      const core = coreOf(encoding);
      const rankOf = (bytes: Uint8Array) => core.getBpeRankFromBytes(bytes);
      for (const length of [1, 2, 3, 17, 300, 1_500, 4_000]) {
        const piece = encoder.encode(text(random, ALPHABETS[name], length));
        const expected = { label, length, tokens: core.bytePairMerge(piece) };
        expect({ label, length, tokens: mergeLongPiece(piece, rankOf) }).toEqual(expected);
      }
    }
  });

  it('merges a long run of one letter exactly as the tokenizer does', () => {
    const core = coreOf(o200k);
    const piece = encoder.encode('a'.repeat(20_000));
    expect(mergeLongPiece(piece, (bytes) => core.getBpeRankFromBytes(bytes))).toEqual(core.bytePairMerge(piece));
  });

  it('keeps to its own body (the worker thread gets its source text)', () => {
    const rerun = new Function(`return ${mergeLongPiece.toString()}`)() as typeof mergeLongPiece;
    const core = coreOf(o200k);
    const piece = encoder.encode('supercalifragilistic'.repeat(50));
    expect(rerun(piece, (bytes) => core.getBpeRankFromBytes(bytes))).toEqual(core.bytePairMerge(piece));
  });
});

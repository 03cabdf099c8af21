import fc from 'fast-check';
import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode as encodeO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { countWords, replyPiece, replyText } from './mock-text';

describe(replyText.name, () => {
  it('starts with "mock reply" and cycles through filler words', () => {
    expect(replyText(0)).toBe('');
    expect(replyText(1)).toBe('mock');
    expect(replyText(2)).toBe('mock reply');
    expect(replyText(5)).toBe('mock reply the of and');
    const long = replyText(2 + 20 + 2).split(' ');
    expect(long.slice(20)).toEqual(['from', 'or', 'the', 'of']);
  });

  it('has exactly as many words as asked, uncached and cached alike', () => {
    for (const n of [3, 16, 511, 512, 2000]) expect(countWords(replyText(n))).toBe(n);
  });

  it('is the concatenation of the stream pieces', () => {
    const pieces = Array.from({ length: 40 }, (_, i) => replyPiece(i));
    expect(pieces.join('')).toBe(replyText(40));
    expect(pieces[0]).toBe('mock');
    expect(pieces.slice(1).every((piece) => /^ \S+$/.test(piece))).toBe(true);
  });

  it.each([
    ['o200k_base', encodeO200k],
    ['cl100k_base', encodeCl100k],
  ])('costs one %s token per word', (_name, encode) => {
    for (let n = 1; n <= 60; n++) expect(encode(replyText(n))).toHaveLength(n);
  });
});

describe(countWords.name, () => {
  it('counts whitespace-separated words', () => {
    expect(countWords('')).toBe(0);
    expect(countWords('   \n\t ')).toBe(0);
    expect(countWords('hello')).toBe(1);
    expect(countWords('  hello   world\nagain\t')).toBe(3);
    expect(countWords('a\u00a0b\u3000c\u2028d')).toBe(4);
  });

  it('agrees with splitting on /\\s+/', () => {
    const reference = (text: string): number => text.split(/\s+/).filter((word) => word !== '').length;
    const chars = fc.constantFrom(
      ...['a', 'Z', '1', '.', 'é'],
      ...[' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u2003', '\u3000', '\ufeff'],
    );
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 60 }), (parts) => {
        const text = parts.join('');
        return countWords(text) === reference(text);
      }),
    );
  });
});

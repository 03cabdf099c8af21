import { cutPoint, decodeJsonString } from './json-string';

/** `value` as a JSON string literal in a buffer, with the offsets of its quotes. */
function literal(json: string): { bytes: Buffer; quote: number; closingQuote: number } {
  const bytes = Buffer.from(`[${json}]`);
  return { bytes, quote: 1, closingQuote: bytes.length - 2 };
}

describe(decodeJsonString.name, () => {
  // Escapes of every kind, surrogate pairs escaped and raw, multi-byte characters, runs of backslashes.
  const values = [
    'plain ascii text',
    'line\nbreak\ttab "quoted" back\\slash \\\\ \\"',
    'é à ü 漢字 😀 🎉 \u2028 \u00e9',
    '\ud83d\ude00'.repeat(50),
    '\\'.repeat(101),
    `${'\\"'.repeat(40)}${'\u0001\u001f'.repeat(20)}`,
    'lone \ud800 and \udfff surrogates',
  ];

  it.each([1, 2, 3, 5, 7, 13, 64])('reads what JSON.parse reads, in pieces of %i bytes', (pieceBytes) => {
    for (const value of values) {
      const json = JSON.stringify(value);
      const { bytes, quote, closingQuote } = literal(json);
      expect(decodeJsonString(bytes, quote, closingQuote, pieceBytes)).toEqual({ text: value, utf8Bytes: Buffer.byteLength(value) });
      // Escaped by hand: every UTF-16 unit as \uXXXX, so that pieces split escaped surrogate pairs.
      let escaped = '"';
      for (let i = 0; i < value.length; i++) escaped += `\\u${value.charCodeAt(i).toString(16).padStart(4, '0')}`;
      const manual = literal(`${escaped}"`);
      expect(decodeJsonString(manual.bytes, manual.quote, manual.closingQuote, pieceBytes)).toEqual({
        text: value,
        utf8Bytes: Buffer.byteLength(value),
      });
    }
  });

  it('refuses what JSON.parse refuses', () => {
    for (const bad of ['"raw \u0001 control"', '"bad \\x escape"', '"short \\u12 escape"', '"tab\there"']) {
      const { bytes, quote, closingQuote } = literal(bad);
      expect(() => JSON.parse(bad)).toThrow();
      expect(() => decodeJsonString(bytes, quote, closingQuote, 3)).toThrow();
    }
  });
});

describe(cutPoint.name, () => {
  it('never cuts inside an escape or a UTF-8 sequence', () => {
    // a b \u00e9 c d 😀 \\ \n x y z: escapes at 2-7, 14-15 and 16-17, the emoji's four bytes at 10-13.
    const bytes = Buffer.from('ab\\u00e9cd😀\\\\\\nxyz');
    const safe = [0, 1, 2, 8, 9, 10, 14, 16, bytes.length];
    for (let at = 0; at < bytes.length; at++) {
      expect(cutPoint(bytes, at, bytes.length, 0)).toBe(safe.find((cut) => cut >= at));
    }
  });
});

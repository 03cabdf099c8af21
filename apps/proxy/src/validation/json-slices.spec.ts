import fc from 'fast-check';
import { JsonAssembler, sliceJson } from './json-slices';

/** Applies the parts as the event loop does (json-offload.ts), after a UTF-8 round trip as between threads. */
function reassemble(parts: ReturnType<typeof sliceJson>): unknown {
  const assembler = new JsonAssembler();
  for (const part of parts) {
    if (part.path === undefined) assembler.applySlice(Buffer.from(part.slice).toString('utf8'));
    else assembler.append(part.path, Buffer.from(part.piece).toString('utf8'));
  }
  return assembler.value;
}

describe(sliceJson.name, () => {
  it('rebuilds any JSON document exactly, key order included, whatever the slice size', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 50 }), (document, budget, piece) => {
        const value = JSON.parse(JSON.stringify(document)) as unknown;
        const rebuilt = reassemble(sliceJson(value, budget, piece));
        expect(JSON.stringify(rebuilt)).toBe(JSON.stringify(value));
      }),
      { numRuns: 300 },
    );
  });

  it('sends a long well-formed string as pieces of raw text, and keeps surrogate pairs and lone surrogates intact', () => {
    const text = `${'😀'.repeat(10)}abc${'é'.repeat(7)}`;
    const parts = sliceJson({ data: text }, 8, 5);
    expect(parts.some((part) => part.path !== undefined)).toBe(true);
    expect(reassemble(parts)).toEqual({ data: text });

    const lone = `x\ud800y${'z'.repeat(40)}`;
    const loneParts = sliceJson({ data: lone }, 8, 5);
    expect(loneParts.every((part) => part.path === undefined)).toBe(true);
    expect(reassemble(loneParts)).toEqual({ data: lone });
  });

  it('keeps slices near their budget, also for long arrays of small values', () => {
    const numbers = Array.from({ length: 100_000 }, (_, i) => i % 10);
    const document = { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(300_000) }], data: numbers };
    const parts = sliceJson(document, 4_096, 65_536);
    for (const part of parts) {
      const length = part.path === undefined ? part.slice.length : part.piece.length;
      expect(length).toBeLessThanOrEqual(part.path === undefined ? 2 * 4_096 : 65_536);
    }
    // About the document's own size: no per-value overhead.
    const total = parts.reduce((sum, part) => sum + (part.path === undefined ? part.slice.length : part.piece.length), 0);
    expect(total).toBeLessThan(1.2 * JSON.stringify(document).length);
    expect(reassemble(parts)).toEqual(document);
  });

  it('keeps a __proto__ field that travels with its siblings (found by the property above: {"":[{"__proto__":""}]})', () => {
    const document = JSON.parse('{"":[{"__proto__":""}]}') as unknown;
    expect(JSON.stringify(reassemble(sliceJson(document, 15, 1)))).toBe(JSON.stringify(document));
  });

  it('never sets a prototype through a __proto__ key', () => {
    const document = JSON.parse('{"a":{"__proto__":{"polluted":true},"b":"' + 'x'.repeat(50) + '"}}') as Record<string, unknown>;
    const rebuilt = reassemble(sliceJson(document, 10, 10)) as { a: Record<string, unknown> };
    expect(Object.getPrototypeOf(rebuilt.a)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(rebuilt)).toBe(JSON.stringify(document));
  });
});

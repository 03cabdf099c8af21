import fc from 'fast-check';
import { jsonUtf8Length } from './json-length';

const serialisedLength = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

describe(jsonUtf8Length.name, () => {
  it('is the UTF-8 length of JSON.stringify for any JSON value: escapes, control characters, astral characters, lone surrogates', () => {
    const strings = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\t', '\b', '\f', '\r', '\u0000', '\u001f', '\u007f', '\u2028', 'é', '😀', '\ud800', '\udc00', 'a'), maxLength: 40 }),
    );
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        strings,
        fc.double(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 5 }),
        fc.dictionary(strings, tie('value'), { maxKeys: 5 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => jsonUtf8Length(value) === serialisedLength(value)),
      { numRuns: 2_000 },
    );
  });

  it('measures numbers as JSON writes them', () => {
    for (const value of [0, -0, 1.5, -1e-7, 1e21, 123456789012345680000, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity]) {
      expect([value, jsonUtf8Length(value)]).toEqual([value, serialisedLength(value)]);
    }
  });

  it('measures what JSON.stringify skips or rewrites as it does: undefined members, functions, toJSON, boxed values, class instances', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly label: string,
      ) {}
    }
    const values: unknown[] = [
      { a: undefined, b: () => 1, c: Symbol('s'), d: 'kept' },
      [undefined, () => 1, Symbol('s'), 'kept'],
      { when: new Date(0), nested: { toJSON: () => ({ replaced: true }) }, gone: { toJSON: () => undefined } },
      [{ toJSON: () => undefined }],
      { boxed: [new String('é'), new Number(5), new Boolean(false)] },
      new Point(1, 'é'),
      Object.assign(Object.create(null) as object, { bare: 'object' }),
      { map: new Map([[1, 2]]), set: new Set([1]) },
      Object.assign([1, 2], { extra: 'ignored' }),
      [, 1, , 2],
      { toJSON: (key: string) => key },
    ];
    for (const value of values) expect([value, jsonUtf8Length(value)]).toEqual([value, serialisedLength(value)]);
  });
});

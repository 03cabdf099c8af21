import { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth';
import { parseJsonDocument } from './json-document';

const nested = (levels: number, open = '[', close = ']') => `${open.repeat(levels)}${close.repeat(levels)}`;
const nestedObjects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe(exceedsJsonDepth.name, () => {
  it('counts objects and arrays, not brackets inside strings', () => {
    expect(exceedsJsonDepth(Buffer.from(nested(100)))).toBe(false);
    expect(exceedsJsonDepth(Buffer.from(nested(101)))).toBe(true);
    expect(exceedsJsonDepth(Buffer.from(nestedObjects(101)))).toBe(true);
    expect(exceedsJsonDepth(Buffer.from(`{"a":"${'['.repeat(500)}"}`))).toBe(false);
    expect(exceedsJsonDepth(Buffer.from(`{"a":"\\"${'['.repeat(500)}\\\\"}`))).toBe(false);
    expect(exceedsJsonDepth(Buffer.from(`["\\\\",${nested(100)}]`))).toBe(true);
    expect(exceedsJsonDepth(Buffer.from(nested(3)), 2)).toBe(true);
  });
});

describe(parseJsonDocument.name, () => {
  const parse = (text: string | Buffer) => parseJsonDocument(Buffer.isBuffer(text) ? text : Buffer.from(text));

  it('parses JSON in UTF-8, a byte-order mark allowed', () => {
    expect(parse('{"a":[1,"é"]}')).toEqual({ value: { a: [1, 'é'] } });
    expect(parse('\ufeff{"a":1}')).toEqual({ value: { a: 1 } });
    expect(parse(`{"deep":${nested(MAX_JSON_DEPTH - 1)}}`).value).toBeDefined();
  });

  it('refuses what the proxy never parses, saying why', () => {
    expect(parse('')).toEqual({ problem: 'Request body is empty: expected a JSON object' });
    expect(parse(Buffer.from([0x7b, 0xff, 0x7d]))).toEqual({ problem: 'Request body is not valid UTF-8' });
    expect(parse(`{"a":${nested(1_500)}}`)).toEqual({
      problem: 'Request body is nested too deeply: at most 100 levels of objects and arrays',
    });
    expect(parse('{"a":1,}')).toEqual({ problem: 'Request body is not valid JSON' });
    expect(parse('{"__proto__":{"polluted":true}}')).toEqual({ problem: 'Request body is not valid JSON' });
    expect(parse('{"constructor":{"prototype":{"polluted":true}}}')).toEqual({ problem: 'Request body is not valid JSON' });
  });
});

import { measuredUtf8Length, openAiChatText, rememberUtf8Length, tokenBound } from '@gw/billing';
import { LONG_STRING_BYTES, MAX_JSON_DEPTH, scanJson } from './json-depth';
import { countKeys, parseJsonDocument } from './json-document';

/** Whether JSON text nests objects and arrays deeper than `limit`: the scan says so by answering null. */
const exceedsJsonDepth = (bytes: Buffer, limit?: number) => scanJson(bytes, limit) === null;

const nested = (levels: number, open = '[', close = ']') => `${open.repeat(levels)}${close.repeat(levels)}`;
const nestedObjects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('scanJson: the depth limit', () => {
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

describe(scanJson.name, () => {
  it('counts keys at every depth and locates the members of the top-level object', () => {
    const text = ' { "model" : "m\\"x" , "a\\u0062":{"model":[1,{"k":"v:"}]},"s":"\\"model\\":" } ';
    const scan = scanJson(Buffer.from(text))!;
    expect(scan.keys).toBe(5);
    expect(scan.members!.map((member) => [member.key, text.slice(member.keyStart, member.valueEnd)])).toEqual([
      ['model', '"model" : "m\\"x" '],
      ['ab', '"a\\u0062":{"model":[1,{"k":"v:"}]}'],
      ['s', '"s":"\\"model\\":" '],
    ]);
    expect(scan.suspiciousKeys).toBe(true);
    expect(scanJson(Buffer.from('[{"a":1}]'))!.members).toBeNull();
    expect(scanJson(Buffer.from('{}'))!.members).toEqual([]);
  });

  it('flags keys that could read as __proto__ or constructor, and only those', () => {
    expect(scanJson(Buffer.from('{"a":{"__proto__":1}}'))!.suspiciousKeys).toBe(true);
    expect(scanJson(Buffer.from('{"constructor":1}'))!.suspiciousKeys).toBe(true);
    expect(scanJson(Buffer.from('{"\\u005f_proto__":1}'))!.suspiciousKeys).toBe(true);
    expect(scanJson(Buffer.from('{"a":"__proto__","b":["constructor"],"constructors":1,"__proto":2}'))!.suspiciousKeys).toBe(false);
  });
});

describe(countKeys.name, () => {
  it('counts the keys of every object, however deep', () => {
    expect(countKeys({ a: [{ b: 1, c: { d: null } }, 'e'], f: {} })).toBe(5);
    expect(countKeys('text')).toBe(0);
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
    expect(parse('{"\\u005f_proto__":{"polluted":true}}')).toEqual({ problem: 'Request body is not valid JSON' });
    expect(parse('{"a":[{"constructor":{"prototype":1}}]}')).toEqual({ problem: 'Request body is not valid JSON' });
    expect(parse('{"constructor":{"name":"ok"}}')).toEqual({ value: { constructor: { name: 'ok' } } });
  });

  it('keeps the source of an object without duplicate keys, on request', () => {
    const bytes = Buffer.from('\ufeff{"model":"m","n":{"x":1}}');
    const parsed = parseJsonDocument(bytes, true);
    expect(parsed.source?.bytes.toString()).toBe('{"model":"m","n":{"x":1}}');
    expect(parsed.source?.members.map((member) => member.key)).toEqual(['model', 'n']);
    expect(parseJsonDocument(bytes).source).toBeUndefined();
    expect(parseJsonDocument(Buffer.from('{"model":"a","model":"b"}'), true)).toEqual({ value: { model: 'b' } });
    expect(parseJsonDocument(Buffer.from('{"m":[{"k":1,"\\u006b":2}]}'), true)).toEqual({ value: { m: [{ k: 2 }] } });
    expect(parseJsonDocument(Buffer.from('[1]'), true)).toEqual({ value: [1] });
  });

  describe('long string values, decoded on their own', () => {
    const long = (seed: string) => `${seed} é😀 "q" \\ \n ${'x'.repeat(LONG_STRING_BYTES)} ${seed}`;
    const documents: [string, string][] = [
      ['a chat prompt', JSON.stringify({ model: 'm', messages: [{ role: 'system', content: 's' }, { role: 'user', content: long('u') }] })],
      ['several, nested in arrays and objects', JSON.stringify({ a: [long('1'), [1, { b: long('2') }]], c: { '': long('3'), 'k"e\\y': long('4') } })],
      ['under escaped keys', `{"\\u006dodel":"m","n\\u00e9":[0,${JSON.stringify(long('5'))}]}`],
      ['with spacing', `{ "a" :\n [ 1 , ${JSON.stringify(long('6'))} ] , "b" : ${JSON.stringify(long('7'))} }`],
      ['under a repeated key (the last one wins)', `{"a":${JSON.stringify(long('8'))},"a":${JSON.stringify(long('9'))},"b":{"c":1,"c":${JSON.stringify(long('10'))}}}`],
      ['with unicode escapes', JSON.stringify({ a: long('11') }).replace(/é/g, '\\u00e9').replace(/😀/gu, '\\ud83d\\ude00')],
      ['a long string at the root', JSON.stringify(long('12'))],
      ['beside a constructor key', JSON.stringify({ constructor: { name: long('13') } })],
    ];

    it.each(documents)('reads %s as JSON.parse does', (name, text) => {
      // A string at the root is no member of anything: it is parsed with the rest.
      expect(scanJson(Buffer.from(text))!.longStrings.length > 0).toBe(!name.includes('root'));
      expect(parseJsonDocument(Buffer.from(text), true).value).toEqual(JSON.parse(text));
    });

    it('measures each long string on the event loop, for a token bound equal to the one read from the flat text', () => {
      const text = JSON.stringify({
        model: 'm',
        messages: [{ role: 'user', content: `${long('a')}${'\ud83d\ude00'.repeat(9_000)} é ${'\\n'.repeat(9_000)}` }],
      }).replace(/😀/gu, '\\ud83d\\ude00');
      const parsed = parseJsonDocument(Buffer.from(text), true);
      expect(parsed.measured).toHaveLength(1);
      for (const m of parsed.measured!) rememberUtf8Length(m.holder, m.field, m.text, m.utf8Bytes);
      const messages = (parsed.value as { messages: Record<string, unknown>[] }).messages;
      expect(measuredUtf8Length(messages[0], 'content')).toBe(Buffer.byteLength(JSON.parse(text).messages[0].content as string));
      const allowances = { imageTokens: 1, answerTokens: 1, referencedTokens: 1 };
      expect(tokenBound(openAiChatText(parsed.value as Record<string, unknown>, allowances))).toBe(
        tokenBound(openAiChatText(JSON.parse(text) as Record<string, unknown>, allowances)),
      );
      expect(parseJsonDocument(Buffer.from(text)).measured).toBeUndefined();
    });

    it('refuses a long string that is not a valid JSON string', () => {
      for (const bad of [`{"a":"${'x'.repeat(LONG_STRING_BYTES)}\u0001"}`, `{"a":"${'x'.repeat(LONG_STRING_BYTES)}\\q"}`]) {
        expect(parse(bad)).toEqual({ problem: 'Request body is not valid JSON' });
      }
      expect(parse(`{"a":"${'x'.repeat(LONG_STRING_BYTES)}",}`)).toEqual({ problem: 'Request body is not valid JSON' });
      expect(parse(`{"__proto__":"${'x'.repeat(LONG_STRING_BYTES)}"}`)).toEqual({ problem: 'Request body is not valid JSON' });
    });
  });
});

import { parseJsonDocument } from './json-document';
import { deriveBody, originOf, rememberSource, topLevelChanges, upstreamBytes } from './json-source';

/** Parses `text` as the body parser does, remembering its source. */
function parsed(text: string): Record<string, unknown> {
  const result = parseJsonDocument(Buffer.from(text), true);
  if (result.problem !== undefined || result.source === undefined) throw new Error(`no source for ${text}`);
  rememberSource(result.value as object, result.source);
  return result.value as Record<string, unknown>;
}

/** What re-serialising would send: the reference every upstream body is checked against. */
const reserialised = (body: Record<string, unknown>, overrides: Record<string, unknown>) =>
  JSON.parse(JSON.stringify({ ...body, ...overrides })) as unknown;

const TRICKY = [
  '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"hi"}]}',
  ' \n{ "model" :\t"a" , "max_tokens" : 10 }\r\n',
  '{"messages":[{"content":"\\"model\\":\\"x\\", {\\"model\\":1}"}],"model":"a"}',
  '{"\\u006dodel":"escaped key","n":{"model":"nested"}}',
  '{"model":"\\ud83d\\ude00 \\u00e9 é 😀 \\\\","stream_options":null,"x":[1e2,-0.5,1E-7,true,false,null,{}]}',
  '{"1":"integer-like key first","model":"m","0":"zero"}',
  '{"stream_options":{"include_usage":false,"other":1},"model":"m","stream":true}',
  '{}',
];

describe(upstreamBytes.name, () => {
  it('sends the very bytes when nothing changes', () => {
    const text = '{ "model": "m",  "messages": [] }';
    const body = parsed(text);
    const bytes = upstreamBytes(body, { model: 'm' })!;
    expect(bytes.toString()).toBe(text);
  });

  it.each(TRICKY)('writes what re-serialising would, member by member: %s', (text) => {
    const changes: Record<string, unknown>[] = [
      {},
      { model: 'upstream-id' },
      { model: 'up"stream\\id\u2028', store: false },
      { stream_options: { include_usage: true }, model: 'x' },
      { '1': { replaced: [1, 2] }, 'new key': 'é' },
      { model: undefined },
    ];
    for (const overrides of changes) {
      const body = parsed(text);
      const bytes = upstreamBytes(body, overrides);
      expect(bytes).not.toBeNull();
      expect(JSON.parse(bytes!.toString())).toEqual(reserialised(body, overrides));
    }
  });

  it('writes a derived copy (fields set, added or removed) from the client bytes', () => {
    const body = parsed('{"model":"m","max_tokens":99999,"generationConfig":{"temperature":1},"drop":"me"}');
    const { drop: _dropped, ...rest } = body;
    const copy = { ...rest, max_tokens: 10, max_completion_tokens: 10, generationConfig: { temperature: 1, maxOutputTokens: 5 } };
    deriveBody(copy, body);
    const bytes = upstreamBytes(copy, { model: 'up' })!;
    expect(bytes.toString()).toBe(
      '{"model":"up","max_tokens":10,"generationConfig":{"temperature":1,"maxOutputTokens":5},"max_completion_tokens":10}',
    );
  });

  it('keeps unchanged members byte for byte (numbers, escapes and spacing as the client wrote them)', () => {
    const body = parsed('{"model":"m","temperature":1.0,"big":12345678901234567890,"s":"\\u00e9"}');
    expect(upstreamBytes(body, { model: 'up' })!.toString()).toBe(
      '{"model":"up","temperature":1.0,"big":12345678901234567890,"s":"\\u00e9"}',
    );
  });

  it('leaves bodies it does not know to the caller', () => {
    expect(upstreamBytes({ model: 'm' }, {})).toBeNull();
    const duplicated = parseJsonDocument(Buffer.from('{"model":"a","model":"b"}'), true);
    expect(duplicated.source).toBeUndefined();
    const body = parsed('{"model":"m"}');
    deriveBody({ ...body }, { other: true });
    expect(upstreamBytes({ ...body }, {})).toBeNull();
  });

  it('knows the body a copy (or a copy of a copy) was made from, for bodies of any origin', () => {
    const body = { model: 'm', messages: [] };
    const copy = { ...body, max_tokens: 5 };
    const again = { ...copy, model: 'up' };
    deriveBody(copy, body);
    deriveBody(again, copy);
    expect([originOf(copy), originOf(again), originOf(body)]).toEqual([body, body, body]);
    expect(originOf(again)).toBe(body);
  });

  it('lists what a copy changes: set and added fields in its order, removed ones as undefined; set on the original they give the copy', () => {
    const messages = [{ role: 'user', content: 'hi' }];
    const origin: Record<string, unknown> = { model: 'm', messages, generationConfig: { temperature: 1 }, drop: 'me' };
    const { drop: _dropped, ...rest } = origin;
    const copy = { ...rest, generationConfig: { temperature: 1, maxOutputTokens: 5 }, max_tokens: 10 };
    const changes = topLevelChanges(origin, copy);
    expect(changes).toEqual({ generationConfig: { temperature: 1, maxOutputTokens: 5 }, max_tokens: 10, drop: undefined });
    expect(Object.keys(changes)).toEqual(['generationConfig', 'max_tokens', 'drop']);
    // As the worker thread applies them (json-worker.ts serialize): the very text of the copy.
    const applied: Record<string, unknown> = JSON.parse(JSON.stringify(origin));
    for (const [field, value] of Object.entries(changes)) applied[field] = value;
    expect(JSON.stringify(applied)).toBe(JSON.stringify(copy));
    expect(topLevelChanges(origin, { ...origin })).toEqual({});
  });
});

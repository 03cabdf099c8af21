import { valueSymbol } from 'piscina';
import { translateRequest } from '@gw/translate';
import { serialize, translate, type TranslateOutcome } from './json-worker';

/** What a task gives back, without piscina's transfer wrapper. */
const unwrapped = <T>(result: T): T => ((result as Record<symbol, unknown>)[valueSymbol] ?? result) as T;
const encoded = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('json-worker translate, then serialize: the provider body the event loop would send', () => {
  /** A tool call whose arguments (JSON text, no limit on its depth or keys) become an object (Anthropic's input). */
  function withArguments(args: string): Record<string, unknown> {
    return {
      model: 'm',
      max_tokens: 16,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: args } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
      ],
    };
  }

  it.each([
    ['a __proto__ key', '{"__proto__":{"x":1},"a":1}'],
    ['a constructor.prototype key', '{"constructor":{"prototype":{"x":1}}}'],
    ['nesting past the limit on client bodies', `${'{"a":'.repeat(150)}1${'}'.repeat(150)}`],
  ])('tool-call arguments with %s', (_name, args) => {
    const body = withArguments(args);
    const options = { model: 'claude-x', modelMaxOutputTokens: 100, stream: false };
    const outcome = unwrapped<TranslateOutcome>(translate({ source: encoded(body), from: 'openai-chat', to: 'anthropic', options }));
    expect(outcome.problem).toBeUndefined();
    expect(outcome.failed).toBeUndefined();
    const translated = 'translated' in outcome ? outcome.translated : new Uint8Array();
    // The reserve stage's output limit, set on the translated body (JsonOffload.stringify: its top-level changes).
    const sent = unwrapped(serialize({ source: translated, overrides: { max_tokens: 20 } }));
    const expected = { ...(translateRequest('openai-chat', 'anthropic', body, options).body as Record<string, unknown>), max_tokens: 20 };
    expect(Buffer.from(sent).toString('utf8')).toBe(JSON.stringify(expected));
  });

  it('a translation nesting a schema deeper than the client could (an Anthropic tool for Gemini)', () => {
    let schema: Record<string, unknown> = { type: 'string' };
    // input_schema sits at depth 4, Gemini's parameters at 6: 48 levels of two make the client body 100 deep.
    for (let i = 0; i < 48; i++) schema = { type: 'object', properties: { a: schema } };
    const body = { model: 'm', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 'f', input_schema: schema }] };
    const options = { model: 'gemini-x', modelMaxOutputTokens: 100, stream: false };
    const outcome = unwrapped<TranslateOutcome>(translate({ source: encoded(body), from: 'anthropic', to: 'gemini', options }));
    const translated = 'translated' in outcome ? outcome.translated : new Uint8Array();
    const sent = unwrapped(serialize({ source: translated, overrides: {} }));
    expect(Buffer.from(sent).toString('utf8')).toBe(JSON.stringify(translateRequest('anthropic', 'gemini', body, options).body));
  });

  it('still refuses bytes that are not JSON', () => {
    expect(() => serialize({ source: new TextEncoder().encode('{"a":'), overrides: {} })).toThrow('a body that parsed before no longer parses');
  });
});

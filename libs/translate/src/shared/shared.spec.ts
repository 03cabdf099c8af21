import { parseDataUrl, toDataUrl } from './data-url';
import { budgetForEffort, effortForBudget, modelVersion } from './reasoning';
import { carriedReasoning, uncarryReasoning } from './reasoning-carrier';
import { argumentsObject, MAX_ARGUMENTS_DEPTH } from './tool-arguments';
import { anthropicToolCallId, openAiToolCallId, thoughtSignatureOf, withThoughtSignature } from './tool-call-ids';

describe('tool call ids', () => {
  const signature = 'CiQB0e2Kb+/abc=='; // Gemini's thought signatures are standard base64

  it('carry a Gemini thought signature inside the id, in characters every provider accepts', () => {
    const id = withThoughtSignature('call_abc_0', signature);
    expect(id).toBe('call_abc_0__thought__CiQB0e2Kb-_abc');
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(thoughtSignatureOf(id)).toBe(signature);
  });

  it('leave ids without a signature alone', () => {
    expect(withThoughtSignature('toolu_1', undefined)).toBe('toolu_1');
    expect(thoughtSignatureOf('toolu_1')).toBeUndefined();
    expect(withThoughtSignature(withThoughtSignature('c', signature), signature)).toBe(withThoughtSignature('c', signature));
  });

  it('are replaced by a stable hash where the provider would refuse them', () => {
    const long = withThoughtSignature('call_1', 'x'.repeat(400));
    expect(openAiToolCallId('call_short')).toBe('call_short');
    expect(openAiToolCallId(long)).toHaveLength(40);
    expect(openAiToolCallId(long)).toBe(openAiToolCallId(long));
    expect(openAiToolCallId(long)).not.toBe(openAiToolCallId(`${long}y`));
    expect(anthropicToolCallId('toolu_01A-b')).toBe('toolu_01A-b');
    expect(anthropicToolCallId('fc.1|x')).toMatch(/^toolu_[A-Za-z0-9_-]{32}$/);
    expect(anthropicToolCallId('fc.1|x')).toBe(anthropicToolCallId('fc.1|x'));
  });
});

describe('reasoning', () => {
  it('maps effort to budget and back', () => {
    expect(budgetForEffort('low')).toBe(2048);
    expect(effortForBudget(budgetForEffort('low'))).toBe('low');
    expect(effortForBudget(budgetForEffort('medium'))).toBe('medium');
    expect(effortForBudget(budgetForEffort('high'))).toBe('high');
    expect(effortForBudget(1)).toBe('low');
  });

  it.each([
    ['claude-sonnet-4-6', [4, 6]],
    ['claude-haiku-4-5-20251001', [4, 5]],
    ['claude-3-7-sonnet-20250219', [3, 7]],
    ['claude-opus-4-20250514', [4, 0]],
    ['claude-sonnet-5', [5, 0]],
    ['anthropic/claude-fable-5-1', [5, 1]],
    ['gemini-2.5-flash', [2, 5]],
    ['gemini-3-pro-preview', [3, 0]],
    ['custom-model', null],
  ])('reads the version of %s', (model, version) => {
    expect(modelVersion(model)).toEqual(version);
  });

  it('carries an Anthropic signature or redacted thinking, marked, and nothing else', () => {
    expect(uncarryReasoning(carriedReasoning({ type: 'reasoning', text: 't', signature: 'sig' }))).toEqual({ signature: 'sig' });
    expect(uncarryReasoning(carriedReasoning({ type: 'reasoning', text: '', redactedData: 'enc' }))).toEqual({ redactedData: 'enc' });
    expect(carriedReasoning({ type: 'reasoning', text: 't' })).toBeUndefined();
    expect(uncarryReasoning('gAAAAABopenai-encrypted')).toEqual({});
    expect(uncarryReasoning(undefined)).toEqual({});
  });
});

describe('data URLs', () => {
  it('split into media type and data, and back', () => {
    expect(parseDataUrl('data:image/png;base64,AAAA')).toEqual({ mediaType: 'image/png', data: 'AAAA' });
    expect(parseDataUrl('data:image/jpeg;name=x.jpg;base64,BBBB')).toEqual({ mediaType: 'image/jpeg', data: 'BBBB' });
    expect(parseDataUrl('data:text/plain,hello')).toBeNull();
    expect(parseDataUrl('https://example.com/a.png')).toBeNull();
    expect(toDataUrl('image/png', 'AAAA')).toBe('data:image/png;base64,AAAA');
  });
});

describe(argumentsObject.name, () => {
  it('parses the arguments object, keeps anything else whole', () => {
    expect(argumentsObject('{"a":1}')).toEqual({ a: 1 });
    expect(argumentsObject('')).toEqual({});
    expect(argumentsObject('{"a":')).toEqual({ _raw_arguments: '{"a":' });
    expect(argumentsObject('[1]')).toEqual({ _raw_arguments: '[1]' });
  });

  it('keeps arguments nested deeper than MAX_ARGUMENTS_DEPTH as text, which any depth serialises from', () => {
    const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}[]${'}'.repeat(levels - 1)}`;
    const deepest = argumentsObject(nested(MAX_ARGUMENTS_DEPTH));
    expect(JSON.stringify(deepest)).toBe(nested(MAX_ARGUMENTS_DEPTH));
    expect(argumentsObject(nested(MAX_ARGUMENTS_DEPTH + 1))).toEqual({ _raw_arguments: nested(MAX_ARGUMENTS_DEPTH + 1) });
    // A client's text 20,000 levels deep: parsed, JSON.stringify of it overflowed the stack (a 500 on the way out).
    const abyss = nested(20_000);
    expect(() => JSON.stringify(JSON.parse(abyss))).toThrow(RangeError);
    expect(JSON.stringify(argumentsObject(abyss))).toBe(JSON.stringify({ _raw_arguments: abyss }));
  });
});

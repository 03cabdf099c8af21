import fc from 'fast-check';
import { withRequestedModel } from './model-field';

describe(withRequestedModel.name, () => {
  it('returns the very same text when the model is already the requested one or absent', () => {
    const raw = '{"id":"x","model":"gpt-4.1-mini","choices":[]}';
    expect(withRequestedModel(raw, 'gpt-4.1-mini', 'gpt-4.1-mini')).toBe(raw);
    expect(withRequestedModel('{"input_tokens":3}', undefined, 'claude')).toBe('{"input_tokens":3}');
  });

  it('replaces the one model field in place, keeping every other byte', () => {
    const raw = '{"id":"x", "model" : "gpt-4.1-mini-2025-04-14","choices":[{"delta":{"content":"say \\"model\\": \\"y\\""}}]}';
    expect(withRequestedModel(raw, 'gpt-4.1-mini-2025-04-14', 'openai/gpt-4.1-mini')).toBe(
      '{"id":"x", "model":"openai/gpt-4.1-mini","choices":[{"delta":{"content":"say \\"model\\": \\"y\\""}}]}',
    );
  });

  it('finds a nested one (Anthropic message_start) and escapes the requested id', () => {
    const raw = '{"type":"message_start","message":{"id":"m","model":"claude-haiku-4-5","usage":{}}}';
    const out = withRequestedModel(raw, 'claude-haiku-4-5', 'a"b\\c')!;
    expect(JSON.parse(out).message.model).toBe('a"b\\c');
  });

  it('gives up (null) when more than one string model field is present', () => {
    const raw = '{"model":"a","content":[{"type":"tool_use","input":{"model":"b"}}]}';
    expect(withRequestedModel(raw, 'a', 'c')).toBeNull();
  });

  it('is equivalent to parse, set, stringify for any JSON with a model field', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), fc.string(), (other, current, requested) => {
        const document = { other, model: current };
        const raw = JSON.stringify(document);
        const out = withRequestedModel(raw, current, requested);
        if (out === null) return true;
        expect(JSON.parse(out)).toEqual({ ...JSON.parse(raw), model: requested });
        return true;
      }),
    );
  });
});

import { geminiMethodConstraint, geminiMethodOf } from './gemini-method.constraint';

describe(geminiMethodOf.name, () => {
  it("reads the method after the model's last colon, whatever the model holds", () => {
    expect(geminiMethodOf('/gemini/v1beta/models/gemini-2.5-flash:generateContent')).toBe('generateContent');
    expect(geminiMethodOf('/gemini/v1beta/models/google/gemini-2.5-flash:streamGenerateContent?alt=sse')).toBe('streamGenerateContent');
    expect(geminiMethodOf('/gemini/v1beta/models/google%2Fgemini-2.5-flash:countTokens?key=ck-x')).toBe('countTokens');
  });

  it('finds none without a colon in the last path segment (the query does not count)', () => {
    expect(geminiMethodOf('/gemini/v1beta/models/gemini-2.5-flash')).toBeUndefined();
    expect(geminiMethodOf('/v1/chat/completions?x=a:b')).toBeUndefined();
    expect(geminiMethodOf('/a:b/c')).toBeUndefined();
  });

  it('stores one handler per method', () => {
    const storage = geminiMethodConstraint.storage();
    const handler = () => undefined;
    storage.set('countTokens', handler);
    expect(storage.get('countTokens')).toBe(handler);
    expect(storage.get('generateContent')).toBeNull();
  });
});

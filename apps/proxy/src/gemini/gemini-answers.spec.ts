import { ZERO_USAGE } from '@gw/billing';
import { readGenerateContent, readTokenCount } from './gemini-answers';

describe(readGenerateContent.name, () => {
  it("reads an answer's usage and, for an answer without it, the output text to count", () => {
    const body = {
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'thinking', thought: true }, { text: 'hello' }, { functionCall: { name: 'f', args: { a: 1 } } }] },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, thoughtsTokenCount: 1 },
    };
    const answer = readGenerateContent(body)!;
    expect(answer.usage).toMatchObject({ inputTokens: 4, outputTokens: 3, reasoningTokens: 1 });
    expect(answer.outputText()).toBe('thinkinghellof{"a":1}');
    expect(readGenerateContent({ candidates: [] })!.usage).toBeNull();
  });

  it('accepts a blocked prompt (promptFeedback, no candidates) and refuses what is not an answer', () => {
    expect(readGenerateContent({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 2 } })).not.toBeNull();
    expect(readGenerateContent({ choices: [] })).toBeNull();
    expect(readGenerateContent({ candidates: [null, { content: { parts: [3, null] } }] })!.outputText()).toBe('');
  });
});

describe(readTokenCount.name, () => {
  it('is free, and needs totalTokens', () => {
    expect(readTokenCount({ totalTokens: 12 })!.usage).toBe(ZERO_USAGE);
    expect(readTokenCount({ input_tokens: 12 })).toBeNull();
  });
});

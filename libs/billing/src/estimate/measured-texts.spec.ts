import { measuredUtf8Length, rememberUtf8Length } from './measured-texts';
import { anthropicMessagesText, geminiGenerateContentText, openAiChatText, openAiResponsesText } from './request-text';
import { textBytes, tokenBound } from './token-bound';

const allowances = { imageTokens: 100, answerTokens: 50, referencedTokens: 1000 };

describe(measuredUtf8Length.name, () => {
  it('gives the length remembered for the very string still in its place, nothing otherwise', () => {
    const message: Record<string, unknown> = { content: `${'a'.repeat(20)}` };
    expect(measuredUtf8Length(message, 'content')).toBeUndefined();
    rememberUtf8Length(message, 'content', message.content as string, 7);
    expect(measuredUtf8Length(message, 'content')).toBe(7);
    expect(measuredUtf8Length(message, 'text')).toBeUndefined();
    expect(measuredUtf8Length({ ...message }, 'content')).toBeUndefined();
    message.content = 'changed';
    expect(measuredUtf8Length(message, 'content')).toBeUndefined();
  });
});

describe('request texts with measured lengths', () => {
  // Lengths that differ from the real ones, so that the test sees which one the bound read.
  const remembered = (holder: Record<string, unknown>, field: string) => {
    rememberUtf8Length(holder, field, holder[field] as string, 1_000_000);
    return holder;
  };

  it('the bound reads a measured length instead of the text, for each protocol that carries long texts', () => {
    const texts = [
      openAiChatText({ messages: [remembered({ role: 'user', content: 'é'.repeat(10) }, 'content')] }, allowances),
      openAiChatText({ messages: [{ role: 'user', content: [remembered({ type: 'text', text: 'hello' }, 'text')] }] }, allowances),
      anthropicMessagesText({ messages: [remembered({ role: 'user', content: 'hello' }, 'content')] }, allowances),
      anthropicMessagesText({ system: [remembered({ type: 'text', text: 'sys' }, 'text')], messages: [] }, allowances),
      geminiGenerateContentText({ contents: [{ parts: [remembered({ text: 'hello' }, 'text')] }] }, allowances),
      openAiResponsesText(remembered({ input: 'hello' }, 'input'), allowances),
      openAiResponsesText({ input: [{ role: 'user', content: [remembered({ type: 'input_text', text: 'x' }, 'text')] }] }, allowances),
    ];
    for (const text of texts) {
      const plain = { pieces: text.pieces, allowanceTokens: text.allowanceTokens };
      expect(text.measuredBytes?.size).toBe(1);
      const [[index]] = [...text.measuredBytes!];
      expect(textBytes(text)).toBe(textBytes(plain) - Buffer.byteLength(text.pieces[index]) + 1_000_000);
      expect(tokenBound(text)).toBe(text.allowanceTokens + textBytes(text));
    }
  });
});

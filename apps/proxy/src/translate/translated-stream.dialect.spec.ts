import { GatewayError } from '@gw/common';
import { createStreamTranslator, ProviderStreamError } from '@gw/translate';
import { AnthropicStreamDialect } from '../anthropic/anthropic-stream.dialect';
import { TranslatedStreamDialect, translationFailure } from './translated-stream.dialect';
import type { Translation } from './translation';

const event = (name: string, data: object) => ({ event: name, data: JSON.stringify(data), id: undefined });
const ANTHROPIC_STREAM = [
  event('message_start', {
    type: 'message_start',
    message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, usage: { input_tokens: 9, output_tokens: 1 } },
  }),
  event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
  event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hello there' } }),
  event('content_block_stop', { type: 'content_block_stop', index: 0 }),
  event('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } }),
  event('message_stop', { type: 'message_stop' }),
];

function setUp(includeUsage = true) {
  const translation = { elapsedMs: 0 } as Translation;
  const translator = createStreamTranslator('anthropic', 'openai-chat', { model: 'claude', includeUsage });
  const sut = new TranslatedStreamDialect(new AnthropicStreamDialect('claude'), translator, translation);
  return { sut, translation };
}

const chunksOf = (text: string) =>
  text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: {'))
    .map((frame) => JSON.parse(frame.slice('data: '.length)));

describe(TranslatedStreamDialect.name, () => {
  it("writes the client's events, is finished with the provider's last one, and settles on the provider's usage", () => {
    const { sut, translation } = setUp();
    let out = '';
    for (const e of ANTHROPIC_STREAM) {
      expect(sut.finished).toBe(false);
      out += sut.onEvent(e);
    }
    expect(sut.finished).toBe(true);
    const chunks = chunksOf(out);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('hello there');
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.model === 'claude')).toBe(true);
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('stop');
    expect(chunks[chunks.length - 1].usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 2 });
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(sut.reportedUsage()).toMatchObject({ inputTokens: 9, outputTokens: 2 });
    expect(translation.elapsedMs).toBeGreaterThan(0);
  });

  it('tells what was delivered before the stream ended, as the provider dialect counted it', () => {
    const { sut } = setUp();
    for (const e of ANTHROPIC_STREAM.slice(0, 3)) sut.onEvent(e);
    expect(sut.reportedUsage()).toBeNull();
    expect(sut.deliveredUsage()).toEqual({ usage: expect.objectContaining({ inputTokens: 9, outputTokens: 2 }), inputReported: true });
  });

  it("ends the stream with the client's error event, and throws the provider's in-stream error as the native relay does", () => {
    const { sut } = setUp();
    sut.onEvent(ANTHROPIC_STREAM[0]);
    const frame = sut.errorEvent(GatewayError.upstream('cut'));
    expect(JSON.parse(frame.slice('data: '.length))).toEqual({ error: { message: 'cut', type: 'upstream_error', code: '502' } });
    expect(() => setUp().sut.onEvent(event('error', { type: 'error', error: { type: 'overloaded_error', message: 'busy' } }))).toThrow(
      expect.objectContaining({ status: 503 }),
    );
  });

  it("maps libs/translate's failures to the gateway's errors and leaves others alone", () => {
    expect(translationFailure(new ProviderStreamError(503, 'busy', 'overloaded_error'))).toMatchObject({ status: 503, message: 'busy' });
    expect(translationFailure(new ProviderStreamError(502, 'bad', undefined))).toMatchObject({ status: 502, type: 'upstream_error' });
    const other = new Error('bug');
    expect(translationFailure(other)).toBe(other);
  });
});

import { parseMarkers } from '../../apps/mock-upstream/src/markers';
import { ChatCompletionStream, chatCompletionBody } from '../../apps/mock-upstream/src/openai.responses';
import { chatBody, responseVerifier } from './workload';

const answer = (outputTokens: number) => ({
  id: 'chatcmpl-mock-1',
  created: 1,
  model: 'gpt-4.1-mini',
  inputTokens: 40,
  outputTokens,
  finishReason: 'stop' as const,
  toolCall: undefined,
});

function stream(outputTokens: number, upTo?: number): string {
  const source = new ChatCompletionStream(answer(outputTokens), false);
  const frames: string[] = [];
  for (let i = 0; i < (upTo ?? source.length); i++) frames.push(source.frame(i));
  return frames.join('');
}

describe(responseVerifier.name, () => {
  it('accepts the complete answer of the mock, as sent or re-serialised by a gateway', () => {
    const body = chatCompletionBody(answer(16)) as Record<string, unknown>;
    const verify = responseVerifier(16, false);
    expect(verify(JSON.stringify(body))).toBe(true);
    expect(verify(JSON.stringify({ ...body, model: 'openai/gpt-4.1-mini', provider: 'openai' }))).toBe(true);
  });

  it('refuses an answer of another length, a truncated one, or an error', () => {
    const verify = responseVerifier(16, false);
    expect(verify(JSON.stringify(chatCompletionBody(answer(15))))).toBe(false);
    expect(verify(JSON.stringify(chatCompletionBody(answer(16))).slice(0, 200))).toBe(false);
    expect(verify('{"error":{"message":"overloaded"}}')).toBe(false);
  });

  it('accepts a full stream and refuses one cut short or missing [DONE]', () => {
    const verify = responseVerifier(16, true);
    expect(verify(stream(16))).toBe(true);
    expect(verify(stream(16, 10))).toBe(false);
    expect(verify(stream(16).replace('data: [DONE]\n\n', ''))).toBe(false);
    expect(verify(stream(17))).toBe(false);
  });
});

describe(chatBody.name, () => {
  it('asks the mock for the output length and leaves room for it under max_tokens', () => {
    const body = JSON.parse(chatBody(16, true));
    expect(body.messages.at(-1).content).toMatch(/ mock:output_tokens=16$/);
    expect(body.max_tokens).toBeGreaterThanOrEqual(16);
    expect(body.stream).toBe(true);
    expect(JSON.parse(chatBody(16, false)).stream).toBeUndefined();
  });

  it('asks the mock to pace the stream only when a chunk delay is given', () => {
    const lastMessage = (body: string) => JSON.parse(body).messages.at(-1).content as string;
    expect(parseMarkers(lastMessage(chatBody(16, true, 'gpt-4.1-mini', 0, 10)))).toMatchObject({ chunkDelayMs: 10, outputTokens: 16 });
    expect(parseMarkers(lastMessage(chatBody(16, true))).chunkDelayMs).toBe(0);
    expect(lastMessage(chatBody(16, true, 'gpt-4.1-mini', 0, 10))).toMatch(/ mock:output_tokens=16$/);
  });

  it('pads the prompt to about the number of words asked for, keeping the marker last', () => {
    const body = JSON.parse(chatBody(16, false, 'gpt-4.1-mini', 5_000));
    const words = body.messages.map((m: { content: string }) => m.content.split(/\s+/).filter(Boolean).length);
    expect(words[0] + words[1]).toBeGreaterThanOrEqual(5_000);
    expect(words[0] + words[1]).toBeLessThan(5_010);
    expect(body.messages[1].content).toMatch(/ mock:output_tokens=16$/);
  });
});

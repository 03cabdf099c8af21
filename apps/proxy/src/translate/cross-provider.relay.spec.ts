import type { FastifyReply } from 'fastify';
import { GatewayError } from '@gw/common';
import type { ChannelRecord } from '@gw/db';
import type { Lifecycle } from '@gw/observability';
import { modelRecord, resolved } from '../../../../test/factories/proxy-stage.factory';
import type { Held } from '../context/request-context';
import type { CircuitBreakers } from '../relay/circuit-breakers';
import type { RelayResult } from '../relay/relay-result';
import { CrossProviderRelay } from './cross-provider.relay';
import type { TranslatedRelay } from './translated.relay';

const RESULT = { status: 200, outcome: 'completed' } as RelayResult;
const channel = (id: string, priority: number, extra: Partial<ChannelRecord> = {}): ChannelRecord => ({
  id,
  name: id,
  baseUrl: 'http://127.0.0.1:1',
  apiKey: 'sk',
  priority,
  weight: 1,
  ...extra,
});
const CLAUDE_LINK = { provider: 'anthropic' as const, upstreamModel: 'claude-x' };

/**
 * The relay with a native relay and a translated one that fail with `failures` in turn (then answer), recording
 * every request they were handed.
 */
function setUp(failures: unknown[], headersSent = false) {
  const served: Held[] = [];
  const next = async (request: Held) => {
    served.push(request);
    const failure = failures.shift();
    if (failure !== undefined) throw failure;
    return RESULT;
  };
  const translated = { relay: jest.fn((request: Held) => next(request)) } as unknown as TranslatedRelay;
  const breakers = { unavailable: () => GatewayError.unavailable('none') } as unknown as CircuitBreakers;
  const lifecycle = { stopSignal: new AbortController().signal } as Lifecycle;
  const sut = new CrossProviderRelay(translated, breakers, lifecycle);
  const reply = { raw: { headersSent, destroyed: false } } as unknown as FastifyReply;
  return { sut, served, reply, native: jest.fn((request: Held) => next(request)) };
}

function held(channels: ChannelRecord[]): Held {
  const body = { model: 'gpt-test', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] };
  return { ...resolved(body, modelRecord({ channels })), hold: {} } as unknown as Held;
}

describe(CrossProviderRelay.name, () => {
  it("serves a model of its own provider's channels as before: natively, the request untouched", async () => {
    const { sut, served, reply, native } = setUp([]);
    const request = held([channel('own', 0)]);
    await expect(sut.relay(request, {}, reply, native)).resolves.toBe(RESULT);
    expect(served).toEqual([request]);
  });

  it("after the own provider's channels fail, sends the next provider's channel the client's request translated", async () => {
    const { sut, served, reply, native } = setUp([GatewayError.unavailable('overloaded')]);
    await expect(sut.relay(held([channel('own', 0), channel('claude', 1, CLAUDE_LINK)]), {}, reply, native)).resolves.toEqual({
      ...RESULT,
      provider: 'anthropic', // the usage record names the provider that answered
    });
    expect(native).toHaveBeenCalledTimes(1);
    expect(served.map((request) => request.model.channels.map((c) => c.id))).toEqual([['own'], ['claude']]);
    const second = served[1];
    expect(second.translation).toMatchObject({ from: 'openai-chat', to: 'anthropic', clientBody: served[0].body });
    expect(second.body).toMatchObject({ model: 'claude-x', max_tokens: 50, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
    expect(second.forwardHeaders).toEqual({ 'anthropic-version': '2023-06-01' });
    // Billed at the model's prices whoever answers.
    expect(second.model).toMatchObject({ id: 'openai/gpt-test', provider: 'anthropic', inputMicrosPerMTok: 400_000n });
  });

  it('stops at a failure that is not retryable, or once the client has bytes', async () => {
    const refused = setUp([GatewayError.invalidRequest('bad')]);
    await expect(refused.sut.relay(held([channel('own', 0), channel('claude', 1, CLAUDE_LINK)]), {}, refused.reply, refused.native)).rejects.toMatchObject({ status: 400 });
    expect(refused.served).toHaveLength(1);
    const started = setUp([GatewayError.upstream('broke')], true);
    await expect(started.sut.relay(held([channel('own', 0), channel('claude', 1, CLAUDE_LINK)]), {}, started.reply, started.native)).rejects.toMatchObject({ status: 502 });
    expect(started.served).toHaveLength(1);
  });

  it('skips a provider that cannot honour the request; the last failure is the answer', async () => {
    const { sut, served, reply, native } = setUp([GatewayError.unavailable('overloaded')]);
    const request = held([channel('own', 0), channel('claude', 1, CLAUDE_LINK)]);
    const withBias = { ...request, body: { ...request.body, logit_bias: { '1': 5 } } } as Held;
    await expect(sut.relay(withBias, {}, reply, native)).rejects.toMatchObject({ status: 503, message: 'overloaded' });
    expect(served).toHaveLength(1);
  });
});

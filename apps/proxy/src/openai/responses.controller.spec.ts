import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '@gw/config';
import { modelRecord, resolved } from '../../../../test/factories/proxy-stage.factory';
import type { UpstreamCall, UpstreamClient } from '../relay/upstream-client';
import type { CircuitBreakers } from '../relay/circuit-breakers';
import { CrossProviderRelay } from '../translate/cross-provider.relay';
import { TranslatedRelay } from '../translate/translated.relay';
import type { Lifecycle } from '@gw/observability';
import { JsonOffload } from '../validation/json-offload';
import { OpenAiRelay } from './openai.relay';
import { ResponsesController } from './responses.controller';

const JSON_CONFIG = { proxy: { json: { offloadBytes: 1 << 30, workerThreads: 1 } } } as AppConfig;
const RESULT = { status: 200, outcome: 'completed', usageEstimated: false, inputReported: true, errorType: null } as const;

function setUp() {
  const calls: UpstreamCall[] = [];
  const upstream = {
    exchange: jest.fn(async (_context: unknown, call: UpstreamCall) => {
      calls.push(call);
      return RESULT;
    }),
  } as unknown as UpstreamClient;
  const json = new JsonOffload(JSON_CONFIG);
  const crossProvider = new CrossProviderRelay(new TranslatedRelay(upstream, json), {} as CircuitBreakers, {} as Lifecycle);
  const sut = new ResponsesController(new OpenAiRelay(upstream, json), crossProvider);
  const reply = { raw: { on: jest.fn() } } as unknown as FastifyReply;
  /** A request as the pipeline hands it to the handler: held, with the body the hold covers. */
  const request = (body: Record<string, unknown>) => {
    const held = { ...resolved(body, modelRecord({ upstreamModel: 'gpt-4.1-mini-2025-04-14' })), hold: {} };
    return { gw: { ...held.context, reached: held } } as unknown as FastifyRequest;
  };
  return { sut, calls, reply, request };
}

describe(ResponsesController.name, () => {
  it("sends the held body to the provider's /v1/responses, with its own model name and store: false", async () => {
    const { sut, calls, reply, request } = setUp();
    const body = { model: 'gpt-test', input: 'hi', store: true, max_output_tokens: 50, unknown_field: [1] };
    await expect(sut.create(request(body), reply)).resolves.toBe(RESULT);
    expect(calls).toHaveLength(1);
    expect(calls[0].path).toBe('/v1/responses');
    expect(JSON.parse(calls[0].body as string)).toEqual({ ...body, model: 'gpt-4.1-mini-2025-04-14', store: false });
  });

  it('answers a stored-response lookup with 404: nothing is stored', () => {
    const { sut } = setUp();
    expect(() => sut.retrieve()).toThrow(expect.objectContaining({ status: 404, type: 'not_found' }));
  });
});

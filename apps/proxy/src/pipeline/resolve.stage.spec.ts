import { GatewayError } from '@gw/common';
import type { ModelCatalog } from '@gw/catalog';
import type { ModelRecord } from '@gw/db';
import { admitted, modelRecord } from '../../../../test/factories/proxy-stage.factory';
import { ANTHROPIC_COUNT_TOKENS_REQUEST, ANTHROPIC_MESSAGES_REQUEST } from '../anthropic/messages.schema';
import { GEMINI_GENERATE_CONTENT_REQUEST } from '../gemini/generate-content.schema';
import { RESPONSES_REQUEST } from '../openai/responses.schema';
import type { CircuitBreakers } from '../relay/circuit-breakers';
import type { JsonOffload } from '../validation/json-offload';
import { validateBody } from '../validation/validate-body';
import { ResolveStage } from './resolve.stage';

const CHAT = { model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] };
const GEMINI_STREAM_ROUTE = {
  protocol: 'gemini',
  endpoint: 'generate_content',
  billable: true,
  body: GEMINI_GENERATE_CONTENT_REQUEST,
  model: 'path',
  stream: true,
} as const;
const ANTHROPIC_ROUTE = { protocol: 'anthropic', endpoint: 'messages', billable: true, body: ANTHROPIC_MESSAGES_REQUEST } as const;
const RESPONSES_ROUTE = { protocol: 'openai', endpoint: 'responses', billable: true, body: RESPONSES_REQUEST } as const;
const COUNT_TOKENS_ROUTE = { protocol: 'anthropic', endpoint: 'count_tokens', billable: false, body: ANTHROPIC_COUNT_TOKENS_REQUEST } as const;

function setUp(models: ModelRecord[], options: { available?: boolean; loadedLater?: ModelRecord } = {}) {
  const byName = (name: string) => models.find((model) => model.id === name || model.aliases.includes(name));
  const catalog = {
    resolve: jest.fn(byName),
    resolveAfterReload: jest.fn(async (name: string) => byName(name) ?? (options.loadedLater?.id === name ? options.loadedLater : undefined)),
  } as unknown as ModelCatalog;
  const breakers = {
    anyAvailable: () => options.available ?? true,
    unavailable: () => GatewayError.unavailable('every channel is failing'),
  } as unknown as CircuitBreakers;
  // Bodies parsed on the event loop (all of these): none was checked or is translated in a worker thread.
  const json = { holds: () => false, validate: validateBody } as unknown as JsonOffload;
  const sut = new ResolveStage(catalog, breakers, json);
  // As the guard awaits it: a synchronous refusal becomes a rejection.
  return { resolve: async (...args: Parameters<ResolveStage['resolve']>) => sut.resolve(...args) };
}

describe(ResolveStage.name, () => {
  it('hands on the valid body, the model asked for and the model it resolved to', async () => {
    const sut = setUp([modelRecord()]);
    const request = admitted();
    const resolved = await sut.resolve(request, { ...CHAT, stream: true }, {});
    expect(resolved).toMatchObject({ requestedModel: 'gpt-test', model: { id: 'openai/gpt-test' }, stream: true, forwardHeaders: {} });
    expect(resolved.keyId).toBe(request.keyId);
    expect(request.context).toMatchObject({ requestedModel: 'gpt-test', stream: true, model: { id: 'openai/gpt-test' } });
  });

  it('refuses an invalid body with 400 naming the field, before any lookup', async () => {
    const sut = setUp([modelRecord()]);
    await expect(sut.resolve(admitted(), { model: 'gpt-test' }, {})).rejects.toMatchObject({
      status: 400,
      message: "Missing required parameter: 'messages'.",
    });
  });

  it('finds a model created a moment ago by reloading the catalog, and 404s one that does not exist', async () => {
    const fresh = modelRecord({ id: 'openai/fresh', aliases: [] });
    const sut = setUp([], { loadedLater: fresh });
    await expect(sut.resolve(admitted(), { ...CHAT, model: 'openai/fresh' }, {})).resolves.toMatchObject({ model: fresh });
    await expect(sut.resolve(admitted(), { ...CHAT, model: 'nope' }, {})).rejects.toMatchObject({
      status: 404,
      message: "The model 'nope' does not exist or is not available",
    });
  });

  it('refuses a model of the wrong kind (400) and one the key may not use (403), naming it as asked', async () => {
    const embedding = modelRecord({ id: 'openai/embed', aliases: ['embed'], kind: 'embedding' });
    const sut = setUp([modelRecord(), embedding]);
    await expect(sut.resolve(admitted(), { ...CHAT, model: 'embed' }, {})).rejects.toMatchObject({ status: 400 });
    const restricted = admitted({ key: { allowedModels: ['openai/other'] } });
    await expect(sut.resolve(restricted, CHAT, {})).rejects.toMatchObject({ status: 403 });
    // The message names the model as asked; the usage record the catalog model, as every record of it (requestedModel
    // keeps the name asked), so that `GET /admin/v1/usage?model=` finds it by the id and by any alias.
    expect(restricted.context.model).toMatchObject({ id: 'openai/gpt-test' });
  });

  it('takes the model from the path and the stream from the route on Gemini routes', async () => {
    const flash = modelRecord({ id: 'google/gemini-2.5-flash', aliases: ['gemini-2.5-flash'], provider: 'google' });
    const sut = setUp([flash, modelRecord()]);
    const request = admitted({ route: GEMINI_STREAM_ROUTE });
    const contents = [{ role: 'user', parts: [{ text: 'hi' }] }];
    // A `model` or `stream` in a Gemini body is an unknown field: passed on, never read.
    const resolved = await sut.resolve(request, { contents, model: 'gpt-test', stream: false }, {}, 'gemini-2.5-flash');
    expect(resolved).toMatchObject({ requestedModel: 'gemini-2.5-flash', model: { id: 'google/gemini-2.5-flash' }, stream: true });
    expect(resolved.translation).toBeUndefined();
    // generateContent never streams, whatever the body says.
    const once = admitted({ route: { ...GEMINI_STREAM_ROUTE, stream: false } });
    expect(await sut.resolve(once, { contents, stream: true }, {}, 'gemini-2.5-flash')).toMatchObject({ stream: false });
    expect(once.context.stream).toBe(false);
  });

  it('translates a request for a model of another protocol into its provider body, held on the provider endpoint', async () => {
    const claude = modelRecord({ id: 'anthropic/claude', aliases: ['claude'], provider: 'anthropic', upstreamModel: 'claude-x', maxOutputTokens: 4_096 });
    const sut = setUp([claude]);
    const body = { ...CHAT, model: 'claude', stream: true, stream_options: { include_usage: true } };
    const resolved = await sut.resolve(admitted({ key: { allowedModels: ['anthropic/claude'] } }), body, { 'anthropic-beta': 'x' });
    expect(resolved.body).toEqual({ model: 'claude-x', max_tokens: 4_096, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: true });
    expect(resolved.translation).toMatchObject({ from: 'openai-chat', to: 'anthropic', endpoint: 'messages', clientBody: body, includeUsage: true });
    // The version the translation is written for, never the client's other headers.
    expect(resolved.forwardHeaders).toEqual({ 'anthropic-version': '2023-06-01' });
    expect(resolved).toMatchObject({ requestedModel: 'claude', model: claude, stream: true });
  });

  it.each([
    ['an Anthropic client to an OpenAI model', ANTHROPIC_ROUTE, { model: 'gpt-test', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, undefined, 'openai-chat'],
    ['a Responses client to a Google model', RESPONSES_ROUTE, { model: 'gemini-2.5-flash', input: 'hi' }, undefined, 'gemini'],
    ['a Gemini client to an Anthropic model', GEMINI_STREAM_ROUTE, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }, 'claude', 'anthropic'],
  ] as const)('translates %s', async (_case, route, body, pathModel, to) => {
    const flash = modelRecord({ id: 'google/gemini-2.5-flash', aliases: ['gemini-2.5-flash'], provider: 'google' });
    const claude = modelRecord({ id: 'anthropic/claude', aliases: ['claude'], provider: 'anthropic' });
    const sut = setUp([modelRecord(), flash, claude]);
    const resolved = await sut.resolve(admitted({ route }), body, {}, pathModel);
    expect(resolved.translation?.to).toBe(to);
  });

  it("refuses with a 400 naming it a feature the provider cannot honour; translates count_tokens for another protocol's model", async () => {
    const claude = modelRecord({ id: 'anthropic/claude', aliases: ['claude'], provider: 'anthropic' });
    const sut = setUp([modelRecord(), claude]);
    await expect(sut.resolve(admitted(), { ...CHAT, model: 'claude', logit_bias: { '1': 5 } }, {})).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/^logit_bias cannot be translated to the Anthropic Messages API/),
    });
    // An OpenAI model's count: its chat body, counted locally (TokenCountRelay).
    const counted = await sut.resolve(admitted({ route: COUNT_TOKENS_ROUTE }), { model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }, {});
    expect(counted.translation).toMatchObject({ from: 'anthropic', to: 'openai-chat' });
    expect(counted.body).toMatchObject({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });
    await expect(
      sut.resolve(admitted({ route: COUNT_TOKENS_ROUTE }), { model: 'gpt-test', top_k: 3, messages: [{ role: 'user', content: 'hi' }] }, {}),
    ).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/^top_k cannot be translated/) });
  });

  it("passes the Anthropic protocol headers on, 400 when malformed", async () => {
    const claude = modelRecord({ id: 'anthropic/claude', aliases: ['claude'], provider: 'anthropic' });
    const sut = setUp([claude]);
    const body = { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    const route = { route: ANTHROPIC_ROUTE };
    await expect(sut.resolve(admitted(route), body, {})).resolves.toMatchObject({ forwardHeaders: { 'anthropic-version': '2023-06-01' } });
    await expect(sut.resolve(admitted(route), body, { 'anthropic-version': 'latest' })).rejects.toMatchObject({ status: 400 });
  });

  it('answers 503 when no channel of the model can take the request, with the model on the record', async () => {
    const sut = setUp([modelRecord()], { available: false });
    const request = admitted();
    await expect(sut.resolve(request, CHAT, {})).rejects.toMatchObject({ status: 503 });
    expect(request.context.model?.id).toBe('openai/gpt-test');
  });
});

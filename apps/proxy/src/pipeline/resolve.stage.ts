import type { IncomingHttpHeaders } from 'node:http';
import { Injectable } from '@nestjs/common';
import { GatewayError } from '@gw/common';
import { ModelCatalog } from '@gw/catalog';
import { NATIVE_PROTOCOL, type ModelRecord, type UsageProtocol } from '@gw/db';
import type { ClientProtocol } from '@gw/translate';
import { CircuitBreakers } from '../relay/circuit-breakers';
import { JsonOffload } from '../validation/json-offload';
import { translateCountRequest } from '../translate/token-count';
import { clientProtocolOf, translateForProvider, translatedHeaders, translateLargeForProvider } from '../translate/translation';
import { anthropicForwardHeaders } from './anthropic-headers';
import type { Admitted, Resolved } from '../context/request-context';

const KIND_BY_ENDPOINT: Partial<Record<string, string>> = {
  'chat.completions': 'chat',
  responses: 'chat',
  messages: 'chat',
  count_tokens: 'chat',
  generate_content: 'chat',
  embeddings: 'embedding',
};

/** Where a model of each protocol is served, for the 400 that sends a client to it. */
const PATH_BY_PROTOCOL: Record<UsageProtocol, (name: string) => string> = {
  openai: () => '/v1/chat/completions',
  anthropic: () => '/anthropic/v1/messages',
  gemini: (name) => `/gemini/v1beta/models/${name}:generateContent`,
};
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Stage 4, resolve: what exactly is asked for, before any money moves.
 * - the body against the route's schema: 400 naming the first problem;
 * - the model by id or alias in the in-memory catalog: 404 when unknown or disabled; 400 when it is not a model of the
 *   endpoint's kind; 403 when the key may not use it;
 * - a model served over another protocol than the route's: the request is translated to the provider's protocol
 *   (translate/translation.ts; a large body in a worker thread), 400 naming a feature the provider cannot honour;
 *   token counting is translated to the provider's counting request (translate/token-count.ts), an OpenAI model's
 *   counted locally; on routes that cannot be translated (embeddings), a 400 naming the path that serves the model;
 * - Anthropic routes: the `anthropic-version` / `anthropic-beta` headers, 400 when malformed;
 * - a channel that can take the request: 503 when every circuit of the model is open, or it has none.
 * What it learns is also noted on the request's record (model asked for, stream, model), so that a refusal's usage
 * record and access log name them.
 */
@Injectable()
export class ResolveStage {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly breakers: CircuitBreakers,
    private readonly json: JsonOffload,
  ) {}

  /** `pathModel`: the model named in the path, on routes that name it there (route.model 'path'). */
  resolve(admitted: Admitted, rawBody: unknown, headers: IncomingHttpHeaders, pathModel?: string): Resolved | Promise<Resolved> {
    const { route, context } = admitted;
    const body = this.json.validate(route.body!, rawBody, route.protocol);
    const requestedModel = route.model === 'path' ? (pathModel ?? '') : (body.model as string);
    context.requestedModel = requestedModel;
    context.stream = route.stream ?? body.stream === true;
    const known = this.catalog.resolve(requestedModel);
    if (known) return this.check(admitted, body, requestedModel, known, headers);
    // Rare: an unknown name, or a model created a moment ago that this instance has not loaded yet.
    return this.catalog
      .resolveAfterReload(requestedModel)
      .then((model) => this.check(admitted, body, requestedModel, model, headers));
  }

  private check(
    admitted: Admitted,
    body: Record<string, unknown>,
    name: string,
    model: ModelRecord | undefined,
    headers: IncomingHttpHeaders,
  ): Resolved | Promise<Resolved> {
    const { route, context } = admitted;
    if (!model || !model.enabled) {
      throw GatewayError.notFound(`The model '${name}' does not exist or is not available`);
    }
    // From here on the request's record names the catalog model, refusals included (their messages keep the name
    // asked for): a usage record under an alias would escape every `model=` filter, which reads aliases as the id.
    context.model = model;
    const expectedKind = KIND_BY_ENDPOINT[route.endpoint];
    if (expectedKind && model.kind !== expectedKind) {
      throw GatewayError.invalidRequest(`The model '${name}' is not a ${expectedKind} model`);
    }
    const native = NATIVE_PROTOCOL[model.provider];
    const from = native === route.protocol ? undefined : clientProtocolOf(route.endpoint);
    const counting = route.endpoint === 'count_tokens';
    if (native !== route.protocol && from === undefined && !counting) {
      const path = PATH_BY_PROTOCOL[native](name);
      throw GatewayError.invalidRequest(`The model '${name}' is served over the ${native} protocol: use ${path}`);
    }
    const allowed = admitted.key.allowedModels;
    if (allowed.length > 0 && !allowed.includes(model.id) && !allowed.includes(name)) {
      throw GatewayError.permissionDenied(`This API key is not allowed to use the model '${name}'`);
    }
    // The client's protocol headers are checked either way (a malformed one is a 400 whatever the model).
    const clientHeaders =
      route.protocol === 'anthropic' ? anthropicForwardHeaders(headers['anthropic-version'], headers['anthropic-beta']) : NO_HEADERS;
    if (!this.breakers.anyAvailable(model.channels)) throw this.breakers.unavailable(model);
    const resolved = { ...admitted, body, requestedModel: name, model, stream: context.stream, forwardHeaders: clientHeaders };
    if (native === route.protocol) return resolved;
    if (counting) {
      // Counted by the model's provider (or, OpenAI, locally): TokenCountRelay.
      const count = translateCountRequest(route.protocol, native, body, model, clientHeaders);
      return { ...resolved, body: count.body, forwardHeaders: count.forwardHeaders, translation: count.translation };
    }
    if (from === undefined) return resolved;
    if (this.json.holds(body)) return this.translateLarge(resolved, from, native);
    const translated = translateForProvider(from, native, body, model, context.stream, clientHeaders);
    // Another protocol's headers mean nothing to this provider: only what the translation is written for goes upstream.
    return { ...resolved, body: translated.body, forwardHeaders: translatedHeaders(native), translation: translated.translation };
  }

  /** A large body (parsed in a worker thread) translated there, or here should the worker not take it. */
  private async translateLarge(resolved: Resolved, from: ClientProtocol, native: UsageProtocol): Promise<Resolved> {
    const { body, model, stream, forwardHeaders } = resolved;
    const translated =
      (await translateLargeForProvider(this.json, from, native, body, model, stream, forwardHeaders)) ??
      translateForProvider(from, native, body, model, stream, forwardHeaders);
    return { ...resolved, body: translated.body, forwardHeaders: translatedHeaders(native), translation: translated.translation };
  }
}

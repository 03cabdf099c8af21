import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAnthropicHandlers } from './anthropic.handlers';
import { checkAuth, sendAuthFailure } from './auth';
import { createControlHandlers } from './control.handlers';
import { Exchange } from './exchange';
import { FailFirstRegistry } from './fail-first';
import { createGeminiHandlers } from './gemini.handlers';
import { INVALID_JSON, parseJsonBody, readBody } from './http-io';
import { MockStatsRecorder, type MockStats } from './mock-stats';
import { createOpenAiHandlers } from './openai.handlers';
import { INVALID_JSON_MESSAGES, sendProviderError } from './provider-errors';
import { RequestLog, type RecordedRequest } from './request-log';
import { createResponsesHandler } from './responses-api.handlers';
import { type Route, route, Router } from './router';

export const DEFAULT_MOCK_UPSTREAM_PORT = 3900;
export const REQUEST_LOG_CAPACITY = 200;
const UNMATCHED_ROUTE = 'unmatched';
/** Unknown paths under it get Google's error format, all others OpenAI's. */
const GEMINI_PREFIX = '/v1beta/';

export interface MockUpstreamOptions {
  /** 0 picks a free port; default 3900. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** When set, the only credential accepted; otherwise any credential is. */
  readonly apiKey?: string;
}

export interface MockUpstream {
  readonly port: number;
  /** Base URL, e.g. `http://127.0.0.1:3900` (OpenAI clients add `/v1`). */
  readonly url: string;
  /** Stops listening and destroys every open connection, stalled ones included. */
  close(): Promise<void>;
  stats(): MockStats;
  reset(): void;
  /** The last `limit` requests received on provider routes, oldest first (as `GET /__mock/requests`). */
  requests(limit?: number): RecordedRequest[];
}

export async function startMockUpstream(opts: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const { port = DEFAULT_MOCK_UPSTREAM_PORT, host = '127.0.0.1', apiKey } = opts;
  const stats = new MockStatsRecorder();
  const log = new RequestLog(REQUEST_LOG_CAPACITY);
  let sequence = 0;
  const nextId = (): number => ++sequence;

  const failures = new FailFirstRegistry();
  const openai = createOpenAiHandlers(nextId, failures);
  const anthropic = createAnthropicHandlers(nextId, failures);
  const gemini = createGeminiHandlers(nextId, failures);
  const control = createControlHandlers(stats, log, failures);
  const router = new Router([
    route('POST', '/v1/chat/completions', 'openai', openai.chatCompletions),
    route('POST', '/v1/responses', 'openai', createResponsesHandler(nextId, failures)),
    route('POST', '/v1/embeddings', 'openai', openai.embeddings),
    route('GET', '/v1/models', 'anthropic', anthropic.models, hasAnthropicVersion),
    route('GET', '/v1/models', 'openai', openai.models),
    route('POST', '/v1/messages', 'anthropic', anthropic.messages),
    route('POST', '/v1/messages/count_tokens', 'anthropic', anthropic.countTokens),
    route('GET', '/v1beta/models', 'gemini', gemini.models),
    route('POST', '/v1beta/models/{model}:generateContent', 'gemini', gemini.generateContent),
    route('POST', '/v1beta/models/{model}:streamGenerateContent', 'gemini', gemini.streamGenerateContent),
    route('POST', '/v1beta/models/{model}:countTokens', 'gemini', gemini.countTokens),
    route('GET', '/v1beta/models/{model}', 'gemini', gemini.model),
    route('GET', '/__mock/stats', undefined, control.stats),
    route('POST', '/__mock/reset', undefined, control.reset),
    route('GET', '/__mock/requests', undefined, control.requests),
  ]);

  const dispatch = (x: Exchange, found: Route | undefined, body: unknown): void => {
    const { req, res } = x;
    log.record(req.method ?? '', x.path, req.headers, body === INVALID_JSON ? null : body);
    if (found === undefined) return sendUnknownRoute(x);
    const protocol = found.protocol ?? 'openai';
    const auth = checkAuth(req, x.query, protocol, apiKey);
    if (auth !== 'ok') return sendAuthFailure(res, protocol, auth);
    if (body === INVALID_JSON) {
      return sendProviderError(res, protocol, 400, { message: INVALID_JSON_MESSAGES[protocol] });
    }
    x.body = body;
    found.handle(x);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const x = new Exchange(req, res, path, q === -1 ? '' : url.slice(q + 1));
    const found = router.find(x);
    if (found !== undefined && found.protocol === undefined) return found.handle(x);

    const epoch = stats.begin(found === undefined ? UNMATCHED_ROUTE : found.key);
    res.once('close', () => {
      stats.settle(epoch, res.writableFinished ? 'completed' : x.dropped ? 'dropped' : 'aborted');
    });
    if (req.method === 'POST') readBody(req, (raw) => dispatch(x, found, parseJsonBody(raw)));
    else dispatch(x, found, null);
  };

  const server = createServer({ noDelay: true }, onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    port: bound,
    url: `http://${connectHost(host)}:${bound}`,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      })),
    stats: () => stats.snapshot(),
    reset: () => {
      stats.reset();
      log.clear();
      failures.reset();
    },
    requests: (limit = REQUEST_LOG_CAPACITY) => log.recent(limit),
  };
}

function hasAnthropicVersion(req: IncomingMessage): boolean {
  return req.headers['anthropic-version'] !== undefined;
}

function sendUnknownRoute(x: Exchange): void {
  if (x.path.startsWith(GEMINI_PREFIX)) {
    return sendProviderError(x.res, 'gemini', 404, { message: `Method not found: ${x.req.method} ${x.path}` });
  }
  const message =
    `Unknown request URL: ${x.req.method} ${x.path}. Please check the URL for typos, ` +
    'or see the docs at https://platform.openai.com/docs/api-reference/.';
  sendProviderError(x.res, 'openai', 404, { message, code: 'unknown_url' });
}

/** The address a client connects to when the server listens on a wildcard one. */
function connectHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadDeliveredTokenCounter } from '@gw/billing';
import type { AppConfig } from '@gw/config';
import { registerMetricsRoute, setUpObservability, withObservability } from '@gw/observability';
import { registerRequestContext } from './context/request-hooks';
import { geminiMethodConstraint } from './gemini/gemini-method.constraint';
import { registerRetryAfterMs } from './context/retry-after-ms.hook';
import { clientErrorHandler, expectationHandler } from './middleware/client-error.handler';
import { configureRefusalLog } from './middleware/error-response';
import { frameworkErrorHandler, MAX_PARAM_LENGTH } from './middleware/framework-errors';
import { registerKeyPresenceCheck } from './middleware/key-presence.hook';
import { registerOverloadShedding } from './middleware/load-shedding';
import { registerRequestTelemetry } from './observability/request-telemetry';
import { AuthenticateStage } from './pipeline/authenticate.stage';
import { SettleStage } from './pipeline/settle.stage';
import { ProxyModule } from './proxy.module';
import { clientDeadlineOptions, registerClientDeadlineTracking } from './transport/client-deadlines';
import { installLeanAsyncResourceBind } from './transport/lean-async-bind';
import { coalesceProxyRedisWrites } from './transport/redis-write-coalescing';
import { largestBodyLimit, registerJsonBodyParser } from './validation/json-body.parser';
import { JsonOffload } from './validation/json-offload';

/**
 * Builds the proxy application exactly as production runs it (main.ts and the end-to-end tests both call this).
 */
export async function createProxyApp(config: AppConfig): Promise<NestFastifyApplication> {
  installLeanAsyncResourceBind();
  // Every streamed delta is counted: the tokenizer's tables load now, not on the first stream.
  loadDeliveredTokenCounter();
  const deadlines = clientDeadlineOptions(config.proxy);
  const adapter = new FastifyAdapter({
    // Each protocol's own limit is applied by the body parser; this one covers anything else.
    bodyLimit: largestBodyLimit(config.proxy.bodyLimitBytes),
    // No Fastify logger: the access log is ours (observability/request-telemetry.ts), with the gateway's ids.
    // Shutdown drains itself (observability's graceful-shutdown): requests on open connections are still served.
    return503OnClosing: false,
    keepAliveTimeout: 65_000,
    // Requests the HTTP parser refuses, or that do not arrive in time, still get an error in the caller's format.
    clientErrorHandler,
    // And those the router refuses before any hook runs (a path that is not percent-encoded UTF-8), likewise.
    frameworkErrors: frameworkErrorHandler,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // HEADERS_TIMEOUT_MS and BODY_TIMEOUT_MS: a slow client cannot hold a connection (transport/client-deadlines.ts).
    requestTimeout: deadlines.requestTimeout,
    // The missing-Host 400 too (context/request-hooks.ts) rather than Node's bare one.
    http: { requireHostHeader: false, ...deadlines.http },
    // The client address (failed-authentication limit) behind load balancers: TRUST_PROXY, default false.
    trustProxy: config.proxy.trustProxy,
  });
  const observability = setUpObservability('proxy', config);
  const root = withObservability(ProxyModule.forRoot(config), observability);
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    logger: observability.nestLogger,
    bufferLogs: false,
    // Ours instead (UTF-8 JSON only): see registerJsonBodyParser.
    bodyParser: false,
  });
  coalesceProxyRedisWrites(app, config);
  // An Expect other than 100-continue: a 400 in the caller's format with the ids, not Node's bare 417.
  app.getHttpServer().on('checkExpectation', expectationHandler);
  const fastify = app.getHttpAdapter().getInstance();
  // Before the routes are registered (app.init): Gemini's method routes share one path (gemini-method.constraint.ts).
  fastify.addConstraintStrategy(geminiMethodConstraint);
  // First: in-flight count, metrics and access log see every request, even one an early hook refuses.
  registerRequestTelemetry(fastify, observability.lifecycle, observability.logger);
  registerRequestContext(fastify);
  registerRetryAfterMs(fastify);
  // No AsyncLocalStorage for the request's log fields here (bindRequestLogFields, as the admin has): on Node 20 the first
  // one entered turns on async hooks for every promise of the process, a cost on each of the dozens a request creates.
  // The lines a request writes pass its ids themselves (requestLogFields, context/request-context.ts).
  registerClientDeadlineTracking(fastify);
  // Before any other work, with the ids on the answer: shed load (503) while the event loop lags (probes exempt), then
  // refuse gateway requests without a well-formed key (401) before their body is read. The in-flight cap counts only
  // admitted requests (the admit stage, after authentication).
  registerOverloadShedding(fastify, config.proxy.overloadMaxEventLoopDelayMs);
  registerKeyPresenceCheck(fastify, app.get(AuthenticateStage));
  configureRefusalLog(config.log.refusalIntervalMs);
  registerMetricsRoute(fastify, config.ops.metricsToken);
  registerJsonBodyParser(fastify, config.proxy.bodyLimitBytes, app.get(JsonOffload));

  // Errors raised before a route handler runs (hooks; the body parser's on unknown routes and for a body that never
  // arrived) reach the global exception filter, and so the one error writer: Nest installs Fastify's error handler at
  // init and routes it there. On gateway routes the body's own problems wait for the AdmitGuard (body-problem.ts).

  // Every authenticated request gets a usage record: billed ones from the billing stages, the others here.
  const settle = app.get(SettleStage);
  fastify.addHook('onResponse', (request, reply, done) => {
    const caller = request.gw?.reached;
    if (caller) settle.recordUnbilled(caller, reply.statusCode);
    done();
  });

  // No enableShutdownHooks(): Nest would close modules before the HTTP server. main.ts installs the ordered sequence.
  await app.init();
  return app;
}

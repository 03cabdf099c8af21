import { Inject, Injectable } from '@nestjs/common';
import type { Dispatcher } from 'undici';
import { GatewayError } from '@gw/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import type { ChannelRecord, ModelRecord } from '@gw/db';
import { Lifecycle, recordUpstreamAttempt } from '@gw/observability';
import type { RequestContext, UpstreamRecord } from '../context/request-context';
import { observeStage } from '../context/stage-timer';
import { AttemptAbort } from './attempt-abort';
import { attemptOutcome } from './upstream-attempt';
import { overloaded } from '../context/gateway-errors';
import type { ClientResponse } from './client-response';
import type { RelayResult } from './relay-result';
import type { AttemptOutcome } from './channel-breaker';
import { channelOrder } from './channel-order';
import { CircuitBreakers } from './circuit-breakers';
import { PoolLease, UpstreamPools } from './upstream-pools';
import { upstreamTarget } from './upstream-target';
import {
  AttemptLimits,
  classifyTransportError,
  classifyUpstreamStatus,
  ClientGoneError,
  isChannelFault,
  isPoolSaturation,
  isRetryable,
  UpstreamTimeoutError,
} from './upstream-errors';

export interface UpstreamCall {
  model: ModelRecord;
  /** Provider path, e.g. "/v1/chat/completions". */
  path: string;
  method?: 'POST' | 'GET';
  /** Headers for a channel (its credential goes in here). */
  headers: (channel: ChannelRecord) => Record<string, string>;
  body?: string | Uint8Array;
  /** The client's side: whether it is gone, and whether any byte of the answer reached it. */
  client: ClientResponse;
}

export interface UpstreamResponse {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  body: Dispatcher.ResponseData['body'];
  channel: ChannelRecord;
  limits: AttemptLimits;
  /** Stops the attempt (client gone, gateway shutting down). */
  abort: (reason: Error) => void;
}

/** Relays one 2xx upstream response to the client; throws the GatewayError of an invalid one. */
export type Relay = (response: UpstreamResponse) => Promise<RelayResult>;

/**
 * Sends a request to a model's channels until one of them answers, and relays that answer (spec/proxy.md, "Timeouts
 * and upstream failures"):
 * - channels are tried by priority, weighted-randomly within a priority, skipping those whose circuit is open;
 * - a retryable failure (connection refused or reset, 5xx, 429/529, timeout before the headers, an invalid answer)
 *   moves on to the next channel as long as no byte reached the client; a provider 4xx, the client leaving, or a
 *   failure once the answer has started ends the request;
 * - a channel whose origin has no free connection within UPSTREAM_POOL_QUEUE_TIMEOUT_MS is skipped like a retryable
 *   failure (not held against it); when that was the last one, the request is shed (503, Retry-After);
 * - when every channel failed, the client gets the last attempt's error; when none could be tried, a 503.
 * Each attempt's deadline (the model's timeoutS, or UPSTREAM_TIMEOUT_S) covers everything until the response headers;
 * after that the body is bounded by the idle limit, so long streams live as long as bytes keep coming. The request is
 * reserved and settled once by the billing stages, whatever the number of attempts; `context.upstream` tells the usage
 * record which channel served it and after how many attempts.
 */
@Injectable()
export class UpstreamClient {
  /**
   * Attempts in progress, from the request to the end of the relayed answer: shutdown past its grace period aborts
   * them (streams end with the protocol's error event). One listener for the process rather than an add and a remove
   * on the stop signal per attempt and per answer.
   */
  private readonly running = new Set<AttemptAbort>();

  constructor(
    private readonly pools: UpstreamPools,
    private readonly breakers: CircuitBreakers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly lifecycle: Lifecycle,
  ) {
    const stop = lifecycle.stopSignal;
    stop.addEventListener(
      'abort',
      () => {
        for (const attempt of this.running) attempt.abort(stop.reason);
      },
      { once: true },
    );
  }

  async exchange(context: RequestContext, call: UpstreamCall, relay: Relay): Promise<RelayResult> {
    const limits: AttemptLimits = {
      timeoutS: call.model.timeoutS ?? this.config.proxy.upstreamTimeoutS,
      idleTimeoutMs: this.config.proxy.streamIdleTimeoutMs,
    };
    // Counted across the request: a model's failover across providers calls this once per provider (CrossProviderRelay).
    let attempts = context.upstream?.attempts ?? 0;
    let lastError: GatewayError | null = null;
    const timing = context.timing;
    const started = (timing.upstreamStartedAt ??= performance.now());
    let answered = false;
    for (const channel of channelOrder(call.model.channels)) {
      const permit = this.breakers.acquire(channel.id);
      if (!permit) continue;
      let lease: PoolLease;
      try {
        lease = await this.leaseConnection(call, channel);
      } catch (error) {
        // Never tried: no verdict on the channel (a half-open probe goes to the next request).
        permit.settle('neutral');
        if (!(error instanceof GatewayError) || !isPoolSaturation(error)) throw error;
        lastError = error;
        continue;
      }
      attempts++;
      const upstream: UpstreamRecord = { channelId: channel.id, attempts, status: null, latencyMs: null };
      context.upstream = upstream;
      let outcome: AttemptOutcome = 'neutral';
      // Shutdown past its grace period ends the attempt, or the answer in progress (streams: the protocol's error event).
      const controller = new AttemptAbort();
      this.running.add(controller);
      try {
        const response = await this.attempt(upstream, call, channel, limits, lease.pool, controller);
        // The relay stage, as the stage histogram measures it: until the provider's answer headers.
        if (!answered) observeStage('relay', started);
        answered = true;
        const result = await relay(response);
        // A stream that broke mid-way (or that our shutdown cut) was answered: the channel is alive (isChannelFault).
        outcome = result.outcome === 'upstream_dropped' || result.outcome === 'gateway_shutdown' ? 'neutral' : 'success';
        return result;
      } catch (error) {
        // The client leaving, or a fault of the gateway itself, says nothing about the channel.
        if (!(error instanceof GatewayError)) throw error;
        if (this.lifecycle.stopSignal.aborted) throw error;
        outcome = isChannelFault(error) ? 'failure' : isRetryable(error) ? 'neutral' : 'success';
        if (call.client.closed) throw new ClientGoneError();
        if (!isRetryable(error) || call.client.started) throw error;
        lastError = error;
      } finally {
        // The answer is over (read, relayed, or abandoned and so destroyed): its connection is free again.
        lease.release();
        this.running.delete(controller);
        timing.upstreamEndedAt = performance.now();
        permit.settle(outcome);
      }
    }
    // Every channel left was saturated: the instance sheds this request (counted as such) rather than queue it.
    if (lastError && isPoolSaturation(lastError)) throw overloaded(context, 'upstream_pool', lastError.message);
    throw lastError ?? this.breakers.unavailable(call.model);
  }

  /** A connection to the channel's origin; the request leaves the line when its client leaves or the gateway stops. */
  private async leaseConnection(call: UpstreamCall, channel: ChannelRecord): Promise<PoolLease> {
    if (call.client.closed) throw new ClientGoneError();
    const stop = this.lifecycle.stopSignal;
    if (stop.aborted) throw stop.reason;
    const origin = upstreamTarget(channel.baseUrl, call.path).origin;
    const free = this.pools.tryLease(origin);
    if (free) return free;
    const leave = new AbortController();
    const onStop = () => leave.abort(stop.reason);
    const stopListening = call.client.onGone(() => leave.abort(new ClientGoneError()));
    stop.addEventListener('abort', onStop, { once: true });
    try {
      return await this.pools.lease(origin, leave.signal);
    } finally {
      stopListening();
      stop.removeEventListener('abort', onStop);
    }
  }

  /**
   * One attempt on one channel, aborted through `attempt` (the client leaving, its deadline, shutdown): its 2xx response,
   * or the GatewayError (or ClientGoneError) it ended with.
   */
  private async attempt(
    upstream: UpstreamRecord,
    call: UpstreamCall,
    channel: ChannelRecord,
    limits: AttemptLimits,
    pool: Dispatcher,
    attempt: AttemptAbort,
  ): Promise<UpstreamResponse> {
    if (call.client.closed) throw new ClientGoneError();
    if (this.lifecycle.stopSignal.aborted) throw this.lifecycle.stopSignal.reason;
    const stopListening = call.client.onGone(() => attempt.abort(new ClientGoneError()));
    let failure: unknown = null;
    const deadline = setTimeout(
      () => attempt.abort(new UpstreamTimeoutError(limits.timeoutS)),
      limits.timeoutS * 1000,
    );
    const started = performance.now();
    const target = upstreamTarget(channel.baseUrl, call.path);
    try {
      const response = await pool.request({
        method: call.method ?? 'POST',
        path: target.path,
        headers: call.headers(channel),
        body: call.body,
        signal: attempt,
        headersTimeout: limits.timeoutS * 1000,
        bodyTimeout: limits.idleTimeoutMs,
      });
      upstream.status = response.statusCode;
      upstream.latencyMs = Math.round(performance.now() - started);
      if (response.statusCode < 200 || response.statusCode >= 300) {
        const text = await response.body.text().catch(() => '');
        const retryAfter = response.headers['retry-after'];
        throw classifyUpstreamStatus(response.statusCode, text, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
      }
      return {
        status: response.statusCode,
        headers: response.headers,
        body: response.body,
        channel,
        limits,
        abort: (reason) => attempt.abort(reason),
      };
    } catch (error) {
      failure = error;
      if (error instanceof GatewayError) throw error;
      throw classifyTransportError(attempt.aborted ? attempt.reason : error, limits);
    } finally {
      clearTimeout(deadline);
      stopListening();
      const outcome = attemptOutcome(upstream.status, failure, attempt);
      recordUpstreamAttempt(channel.name, outcome, (performance.now() - started) / 1000);
    }
  }
}

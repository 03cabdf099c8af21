import { Injectable } from '@nestjs/common';
import type { Dispatcher } from 'undici';
import { GatewayError } from '@gw/common';
import type { ChannelRecord, ModelRecord } from '@gw/db';
import type { GatewayContext } from '../context/gateway-context';
import { UpstreamPools } from './upstream-pools';
import { upstreamTarget } from './upstream-target';
import { classifyTransportError, classifyUpstreamStatus, ClientGoneError, UpstreamTimeoutError } from './upstream-errors';

export interface UpstreamCall {
  model: ModelRecord;
  /** Provider path, e.g. "/v1/chat/completions". */
  path: string;
  method?: 'POST' | 'GET';
  /** Headers for a channel (its credential goes in here). */
  headers: (channel: ChannelRecord) => Record<string, string>;
  body?: string;
  /** Aborted when the client goes away. */
  clientSignal: AbortSignal;
  /** Idle limit between body chunks once the response has started. */
  idleTimeoutMs: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  body: Dispatcher.ResponseData['body'];
  channel: ChannelRecord;
  /** Stops the attempt (client gone, gateway shutting down). */
  abort: (reason: Error) => void;
}

/**
 * Sends one request upstream and hands back a 2xx response, or throws the GatewayError the client must get. The
 * attempt's deadline (the model's timeoutS) covers everything until the response headers; after that the body is
 * bounded by the idle limit, so long streams live as long as bytes keep coming.
 */
@Injectable()
export class UpstreamClient {
  constructor(private readonly pools: UpstreamPools) {}

  async send(gw: GatewayContext, call: UpstreamCall): Promise<UpstreamResponse> {
    const channel = call.model.channels[0];
    if (!channel) throw GatewayError.unavailable(`No upstream channel is configured for '${call.model.id}'`);
    gw.upstream = { channelId: channel.id, attempts: 1, status: null, latencyMs: null };
    const timeoutS = call.model.timeoutS;
    const attempt = new AbortController();
    const onClientGone = () => attempt.abort(new ClientGoneError());
    call.clientSignal.addEventListener('abort', onClientGone, { once: true });
    const deadline = setTimeout(() => attempt.abort(new UpstreamTimeoutError(timeoutS)), timeoutS * 1000);
    const started = performance.now();
    const target = upstreamTarget(channel.baseUrl, call.path);
    try {
      const response = await this.pools.get(target.origin).request({
        method: call.method ?? 'POST',
        path: target.path,
        headers: call.headers(channel),
        body: call.body,
        signal: attempt.signal,
        headersTimeout: timeoutS * 1000,
        bodyTimeout: call.idleTimeoutMs,
      });
      gw.upstream.status = response.statusCode;
      gw.upstream.latencyMs = Math.round(performance.now() - started);
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
        abort: (reason) => attempt.abort(reason),
      };
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      throw classifyTransportError(attempt.signal.aborted ? attempt.signal.reason : error, timeoutS);
    } finally {
      clearTimeout(deadline);
      call.clientSignal.removeEventListener('abort', onClientGone);
    }
  }
}

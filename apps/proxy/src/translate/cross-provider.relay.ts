import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { outputLimit, withOutputLimit, type BilledEndpoint } from '@gw/billing';
import { GatewayError } from '@gw/common';
import { NATIVE_PROTOCOL } from '@gw/db';
import { Lifecycle } from '@gw/observability';
import type { Held } from '../context/request-context';
import { CircuitBreakers } from '../relay/circuit-breakers';
import type { RelayResult } from '../relay/relay-result';
import { isRetryable } from '../relay/upstream-errors';
import { crossesProviders, ProviderLeg, providerLegs } from './provider-legs';
import { TranslatedRelay } from './translated.relay';
import { clientProtocolOf, translatedHeaders, translateForProvider } from './translation';

/** The route's own relay for a request in the client's protocol (OpenAiRelay.chatCompletions, AnthropicRelay.messages…). */
export type NativeRelay = (request: Held) => Promise<RelayResult>;

/**
 * The relay of the translatable routes (chat completions, responses, messages, generateContent): a request goes to the
 * model's channels natively, or translated when the model's provider speaks another protocol (resolve stage).
 *
 * A model may also be linked to channels of other providers (admin API: a link with the model's name there,
 * `upstreamModel`). Its channels are then tried in their order (providerLegs), one run of a provider at a time, each run
 * with UpstreamClient's failover; when a run fails before any byte reached the client (the same retryable failures that
 * move on between channels), the next run gets the request remade for its provider from the client's: natively on a
 * provider of the client's protocol, translated on another, its output limit the one the hold covers. A provider that
 * cannot honour the request (a translation refusal) is skipped. The answer comes back in the client's protocol, its
 * usage read by the answering provider's reader and billed at the model's prices (the held request's model).
 */
@Injectable()
export class CrossProviderRelay {
  constructor(
    private readonly translated: TranslatedRelay,
    private readonly breakers: CircuitBreakers,
    private readonly lifecycle: Lifecycle,
  ) {}

  relay(held: Held, query: unknown, reply: FastifyReply, native: NativeRelay): Promise<RelayResult> {
    if (!crossesProviders(held.model)) return this.serve(held, query, reply, native);
    return this.failover(held, query, reply, native);
  }

  private serve(request: Held, query: unknown, reply: FastifyReply, native: NativeRelay): Promise<RelayResult> {
    return request.translation ? this.translated.relay(request, query, reply) : native(request);
  }

  private async failover(held: Held, query: unknown, reply: FastifyReply, native: NativeRelay): Promise<RelayResult> {
    let last: unknown = null;
    for (const leg of providerLegs(held.model)) {
      const request = leg.own ? { ...held, model: leg.model } : this.remade(held, leg);
      if (request === null) continue;
      try {
        const result = await this.serve(request, query, reply, native);
        return leg.own ? result : { ...result, provider: leg.model.provider };
      } catch (error) {
        if (!this.movesOn(error, held, reply)) throw error;
        last = error;
      }
    }
    throw last ?? this.breakers.unavailable(held.model);
  }

  /** Another leg may take the request: a retryable failure, nothing sent to the client, not shed, not shutting down. */
  private movesOn(error: unknown, held: Held, reply: FastifyReply): boolean {
    if (!(error instanceof GatewayError) || !isRetryable(error)) return false;
    if (reply.raw.headersSent || reply.raw.destroyed) return false;
    return held.context.shedBy === undefined && !this.lifecycle.stopSignal.aborted;
  }

  /**
   * The client's request for a leg of another provider or name: in the client's protocol when the leg speaks it,
   * translated otherwise; null when that provider cannot honour it (the leg is skipped).
   */
  private remade(held: Held, leg: ProviderLeg): Held | null {
    const { route, translation } = held;
    const clientBody = translation?.clientBody ?? held.body;
    const clientHeaders = translation?.clientHeaders ?? held.forwardHeaders;
    const native = NATIVE_PROTOCOL[leg.model.provider];
    if (native === route.protocol) {
      const endpoint = route.endpoint as BilledEndpoint;
      const body = withOutputLimit(endpoint, clientBody, outputLimit(endpoint, clientBody, leg.model));
      return { ...held, model: leg.model, body, forwardHeaders: clientHeaders, translation: undefined };
    }
    const from = clientProtocolOf(route.endpoint);
    if (from === undefined) return null;
    let translated;
    try {
      translated = translateForProvider(from, native, clientBody, leg.model, held.stream, clientHeaders);
    } catch (error) {
      if (error instanceof GatewayError && error.status === 400) return null;
      throw error;
    }
    const endpoint = translated.translation.endpoint;
    const body = withOutputLimit(endpoint, translated.body, outputLimit(endpoint, translated.body, leg.model));
    return { ...held, model: leg.model, body, forwardHeaders: translatedHeaders(native), translation: translated.translation };
  }
}

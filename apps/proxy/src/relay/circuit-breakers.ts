import { Inject, Injectable } from '@nestjs/common';
import { GatewayError } from '@gw/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import type { ChannelRecord, ModelRecord } from '@gw/db';
import { BreakerPermit, ChannelBreaker } from './channel-breaker';

/**
 * The circuit breakers of this proxy instance, one per channel. Deliberately per instance (docs/upstreams.md): each
 * instance learns from its own attempts, so the success path costs a map lookup and no Redis round trip, and one
 * instance's network trouble never takes a channel away from the others.
 */
@Injectable()
export class CircuitBreakers {
  private readonly breakers = new Map<string, ChannelBreaker>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  acquire(channelId: string): BreakerPermit | null {
    return this.of(channelId).acquire();
  }

  /** Whether any channel of the model could take a request now. */
  anyAvailable(channels: readonly ChannelRecord[]): boolean {
    return channels.some((channel) => this.breakers.get(channel.id)?.available ?? true);
  }

  /**
   * The 503 for a model none of whose channels can take a request: none configured, or every circuit open (then with
   * the seconds until the first probe in Retry-After).
   */
  unavailable(model: ModelRecord): GatewayError {
    if (model.channels.length === 0) {
      return GatewayError.unavailable(`No upstream channel is configured for '${model.id}'`);
    }
    const waitMs = Math.min(...model.channels.map((channel) => this.breakers.get(channel.id)?.retryInMs ?? 0));
    return GatewayError.unavailable(`Every upstream channel of '${model.id}' is failing; retry later`, {
      'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
    });
  }

  private of(channelId: string): ChannelBreaker {
    let breaker = this.breakers.get(channelId);
    if (!breaker) {
      breaker = new ChannelBreaker(this.config.proxy.breaker);
      this.breakers.set(channelId, breaker);
    }
    return breaker;
  }
}

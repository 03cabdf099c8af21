import type { ChannelRecord, ModelRecord } from '@gw/db';
import { channelOrder } from '../relay/channel-order';

/**
 * One leg of a request's failover across providers: a run of the model's channels that take the same request (same
 * provider, same upstream model name), as a model record of its own for the relay (its channels, provider and name).
 */
export interface ProviderLeg {
  readonly model: ModelRecord;
  /** The leg of the model's own provider and name: the request the resolve stage prepared (and held) is its request. */
  readonly own: boolean;
}

/** Whether any channel of the model takes another request than the model's own (another provider, or name). */
export function crossesProviders(model: ModelRecord): boolean {
  for (const channel of model.channels) if (channel.provider !== undefined || channel.upstreamModel !== undefined) return true;
  return false;
}

/**
 * The model's channels in the order this request tries them (channelOrder: priority, then weighted random), cut into
 * consecutive runs of one provider and name: each run is tried with UpstreamClient's own failover, then the next run
 * with the request remade for its provider. Only for a model that crossesProviders.
 */
export function providerLegs(model: ModelRecord, random: () => number = Math.random): ProviderLeg[] {
  const legs: ProviderLeg[] = [];
  let run: ChannelRecord[] = [];
  let key = '';
  const close = () => {
    if (run.length === 0) return;
    const first = run[0];
    const provider = first.provider ?? model.provider;
    const upstreamModel = first.upstreamModel ?? model.upstreamModel;
    const own = first.provider === undefined && first.upstreamModel === undefined;
    legs.push({ model: { ...model, provider, upstreamModel, channels: run }, own });
  };
  for (const channel of channelOrder(model.channels, random)) {
    const channelKey = `${channel.provider ?? ''}\u0000${channel.upstreamModel ?? ''}`;
    if (channelKey !== key) {
      close();
      run = [];
      key = channelKey;
    }
    run.push(channel);
  }
  close();
  return legs;
}

/**
 * The model with its own provider's channels only (those that take its native request under its own name): what a
 * route that is not failed over across providers (token counting) may use.
 */
export function ownChannels(model: ModelRecord): ModelRecord {
  if (!crossesProviders(model)) return model;
  return { ...model, channels: model.channels.filter((channel) => channel.provider === undefined && channel.upstreamModel === undefined) };
}

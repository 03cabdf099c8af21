import type { ChannelRecord } from '@gw/db';
import { modelRecord } from '../../../../test/factories/model-record.factory';
import { crossesProviders, providerLegs } from './provider-legs';

const channel = (id: string, priority: number, extra: Partial<ChannelRecord> = {}): ChannelRecord => ({
  id,
  name: id,
  baseUrl: 'http://127.0.0.1:1',
  apiKey: 'sk',
  priority,
  weight: 1,
  ...extra,
});

describe('providerLegs', () => {
  it("leaves a model of its own provider's channels alone", () => {
    const model = modelRecord({ channels: [channel('a', 0), channel('b', 1)] });
    expect(crossesProviders(model)).toBe(false);
    expect(providerLegs(model)).toEqual([{ model, own: true }]);
  });

  it('cuts the channels, in priority order, into runs of one provider and name, each a model of its own', () => {
    const claude = { provider: 'anthropic' as const, upstreamModel: 'claude-x' };
    const model = modelRecord({
      channels: [channel('own-1', 0), channel('claude-1', 1, claude), channel('claude-2', 1, claude), channel('own-2', 2), channel('renamed', 3, { upstreamModel: 'gpt-other' })],
    });
    expect(crossesProviders(model)).toBe(true);
    const legs = providerLegs(model, () => 0.5);
    expect(legs.map((leg) => [leg.own, leg.model.provider, leg.model.upstreamModel, leg.model.channels.map((c) => c.id)])).toEqual([
      [true, 'openai', 'gpt-test', ['own-1']],
      [false, 'anthropic', 'claude-x', ['claude-1', 'claude-2']],
      [true, 'openai', 'gpt-test', ['own-2']],
      [false, 'openai', 'gpt-other', ['renamed']],
    ]);
    // Prices, limits and id stay the model's: the request is billed at them whoever answers.
    expect(legs[1].model).toMatchObject({ id: model.id, inputMicrosPerMTok: model.inputMicrosPerMTok, maxOutputTokens: model.maxOutputTokens });
  });
});

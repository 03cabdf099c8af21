import { plainToInstance } from 'class-transformer';
import { GatewayError } from '@gw/common';
import type { ModelSettings } from '@gw/db';
import { storedModel } from '../../../../libs/catalog/src/testing/stored-model';
import { modelChanges } from './model-changes';
import { toModelView } from './model.view';
import { UpdateModelDto } from './models.dto';

const DEFAULTS = { markupMillionths: 1_050_000n, rpmPerAccount: 0, timeoutS: 120 };

function model(overrides: Partial<ModelSettings> = {}): ModelSettings {
  return storedModel({ inputMicrosPerMTok: 1_000_000n, outputMicrosPerMTok: 2_000_000n, ...overrides });
}

const changes = (body: object, m = model()) => modelChanges(plainToInstance(UpdateModelDto, body), m, DEFAULTS);

describe(modelChanges.name, () => {
  it('changes nothing when GET is sent back, defaults included (markup, limit, timeout, cache prices)', () => {
    for (const m of [model(), model({ markup: '1.2', rpmPerAccount: 30, timeoutS: 60, cachedInputMicrosPerMTok: 5n })]) {
      expect(changes(toModelView(m, DEFAULTS), m)).toEqual({});
    }
  });

  it('sets the markup and the upstream prices as stored values; null goes back to the defaults', () => {
    expect(changes({ markup: '1.5', upstream: { inputUsdPerMTok: '3', cacheWriteUsdPerMTok: '4.5' } })).toEqual({
      markup: '1.5',
      inputMicrosPerMTok: 3_000_000n,
      cacheWriteMicrosPerMTok: 4_500_000n,
    });
    const own = model({ markup: '1.5', cachedInputMicrosPerMTok: 7n, rpmPerAccount: 5 });
    expect(changes({ markup: null, upstream: { cachedInputUsdPerMTok: null }, rpmPerAccount: null }, own)).toEqual({
      markup: null,
      cachedInputMicrosPerMTok: null,
      rpmPerAccount: null,
    });
  });

  it('keeps "1.50" as the markup 1.5 and a limit of 0 as no limit', () => {
    expect(changes({ markup: '1.50', rpmPerAccount: 0 }, model({ rpmPerAccount: 10 }))).toEqual({ markup: '1.5', rpmPerAccount: 0 });
  });

  it('reads a new top-level price as the charged price wanted: the upstream price that charges exactly it', () => {
    // 10.00 charged at 1.05: upstream 9.523809 (x 1.05 = 9.99999945, rounded up: 10.000000).
    expect(changes({ inputUsdPerMTok: '10' })).toEqual({ inputMicrosPerMTok: 9_523_809n });
    // At the markup set in the same request.
    expect(changes({ markup: '2', outputUsdPerMTok: '5' })).toEqual({ markup: '2', outputMicrosPerMTok: 2_500_000n });
    expect(changes({ inputUsdPerMTok: '3' }, model({ markup: '1' }))).toEqual({ inputMicrosPerMTok: 3_000_000n });
  });

  it('refuses a charged price no upstream price reaches, naming the nearest ones', () => {
    // 0.000001 x 1.05 rounds up to 0.000002: nothing charges exactly 0.000001.
    expect(() => changes({ inputUsdPerMTok: '0.000001' })).toThrow(
      /'inputUsdPerMTok': no upstream price charges exactly 0\.000001 at markup 1\.05 \(the nearest are 0\.000000 and 0\.000002\)/,
    );
    expect(() => changes({ markup: '0', inputUsdPerMTok: '1' })).toThrow(GatewayError);
  });

  it('refuses a top-level price that contradicts the upstream one sent with it', () => {
    expect(() => changes({ inputUsdPerMTok: '5', upstream: { inputUsdPerMTok: '1' } })).toThrow(
      /send either the charged price or upstream\.inputUsdPerMTok/,
    );
  });

  it('a GET sent back with a new upstream input price changes that price only (the stale charged prices are ignored)', () => {
    const before = toModelView(model(), DEFAULTS);
    expect(changes({ ...before, upstream: { ...before.upstream, inputUsdPerMTok: '2' } })).toEqual({ inputMicrosPerMTok: 2_000_000n });
  });
});

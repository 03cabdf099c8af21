import { plainToInstance } from 'class-transformer';
import fc from 'fast-check';
import { applyMarkup, formatMarkup, formatMicrosAsUsd, MARKUP_SCALE } from '@gw/common';
import { modelPrices } from '@gw/catalog';
import type { ModelSettings } from '@gw/db';
import { storedModel } from '../../../../libs/catalog/src/testing/stored-model';
import { modelChanges } from './model-changes';
import { toModelView } from './model.view';
import { PRICE_BOUNDS, UpdateModelDto } from './models.dto';

const DEFAULTS = { markupMillionths: 1_050_000n, rpmPerAccount: 0, timeoutS: 120 };

function model(overrides: Partial<ModelSettings> = {}): ModelSettings {
  return storedModel({ inputMicrosPerMTok: 1_000_000n, outputMicrosPerMTok: 2_000_000n, ...overrides });
}

const changes = (body: object, m = model()) => modelChanges(plainToInstance(UpdateModelDto, body), m, DEFAULTS);

// Charged prices no upstream price reaches at 1.05, pinned: upstream the largest below (1.00 / 1.05 = 0.95238095...).
const PINNED_INPUT = { inputMicrosPerMTok: 952_380n, pinnedInputMicrosPerMTok: 1_000_000n };
const PINNED_OUTPUT = { outputMicrosPerMTok: 20_952_380n, pinnedOutputMicrosPerMTok: 22_000_000n };
const PINNED_CACHED = { cachedInputMicrosPerMTok: 0n, pinnedCachedInputMicrosPerMTok: 1n };

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

  it('pins a charged price no upstream price reaches (c mod 21 = 1 at 1.05): upstream the largest below it', () => {
    // 1.00 / 1.05 = 0.95238095: 0.952380 charges 0.999999 (ceil of 0.999999), 0.952381 charges 1.000001 (1.00000005).
    expect(changes({ inputUsdPerMTok: '1.00' })).toEqual(PINNED_INPUT);
    expect(changes({ outputUsdPerMTok: '22.00' })).toEqual(PINNED_OUTPUT);
    // 0.000001 x 1.05 rounds up to 0.000002: nothing charges exactly 0.000001.
    expect(changes({ cachedInputUsdPerMTok: '0.000001' })).toEqual(PINNED_CACHED);
    // At the markup set in the same request: at 2 only even micro-dollars are reached.
    expect(changes({ markup: '2', cacheWriteUsdPerMTok: '0.000003' })).toEqual({
      markup: '2',
      cacheWriteMicrosPerMTok: 1n,
      pinnedCacheWriteMicrosPerMTok: 3n,
    });
    // GET then shows the pin as the charged price, the upstream price beside it.
    const m = model(PINNED_INPUT);
    expect(toModelView(m, DEFAULTS)).toMatchObject({ inputUsdPerMTok: '1.000000', upstream: { inputUsdPerMTok: '0.952380' } });
  });

  it('charges exactly any new top-level price at any markup above 0, upstream less than a micro-dollar below it / markup', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 100_000_000n }), (charged, markup) => {
        // Within what an upstream price can charge at that markup (beyond it: a 400, below).
        fc.pre((charged * MARKUP_SCALE) / markup <= PRICE_BOUNDS.max);
        const before = model({ markup: formatMarkup(markup) });
        const after = { ...before, ...changes({ outputUsdPerMTok: formatMicrosAsUsd(charged) }, before) };
        const prices = modelPrices(after, DEFAULTS);
        const upstream = prices.upstream.outputMicrosPerMTok * markup;
        const pinned = after.pinnedOutputMicrosPerMTok !== null;
        return (
          prices.outputMicrosPerMTok === charged &&
          upstream <= charged * MARKUP_SCALE &&
          charged * MARKUP_SCALE - upstream < markup &&
          pinned === (applyMarkup(prices.upstream.outputMicrosPerMTok, markup) !== charged)
        );
      }),
    );
  });

  it('a reachable new price, an upstream price, or null (the default) clears that kind\'s pin', () => {
    const m = model({ ...PINNED_INPUT, ...PINNED_CACHED });
    expect(changes({ inputUsdPerMTok: '10' }, m)).toEqual({ inputMicrosPerMTok: 9_523_809n, pinnedInputMicrosPerMTok: null });
    // 0.952380 x 1.05 = 0.999999: reachable, so the pin goes and the upstream price stays.
    expect(changes({ inputUsdPerMTok: '0.999999' }, m)).toEqual({ pinnedInputMicrosPerMTok: null });
    expect(changes({ upstream: { inputUsdPerMTok: '2' } }, m)).toEqual({ inputMicrosPerMTok: 2_000_000n, pinnedInputMicrosPerMTok: null });
    // The same upstream price sent alone: charged = upstream x markup again.
    expect(changes({ upstream: { inputUsdPerMTok: '0.952380' } }, m)).toEqual({ pinnedInputMicrosPerMTok: null });
    // With the charged price GET showed (the pin): not a contradiction, the upstream price sent wins.
    expect(changes({ inputUsdPerMTok: '1.00', upstream: { inputUsdPerMTok: '2' } }, m)).toEqual({
      inputMicrosPerMTok: 2_000_000n,
      pinnedInputMicrosPerMTok: null,
    });
    expect(() => changes({ inputUsdPerMTok: '1.50', upstream: { inputUsdPerMTok: '2' } }, m)).toThrow(/send either/);
    expect(changes({ cachedInputUsdPerMTok: null }, m)).toEqual({ cachedInputMicrosPerMTok: null, pinnedCachedInputMicrosPerMTok: null });
    expect(changes({ upstream: { cachedInputUsdPerMTok: null } }, m)).toEqual({
      cachedInputMicrosPerMTok: null,
      pinnedCachedInputMicrosPerMTok: null,
    });
  });

  it('a change of the markup in effect clears the pins of the prices the same PUT does not set anew', () => {
    const m = model({ ...PINNED_INPUT, ...PINNED_OUTPUT });
    expect(changes({ markup: '1.2' }, m)).toEqual({ markup: '1.2', pinnedInputMicrosPerMTok: null, pinnedOutputMicrosPerMTok: null });
    // The charged price sent back as GET showed it is not a new one: re-derived too.
    expect(changes({ markup: '1.2', inputUsdPerMTok: '1.00' }, m)).toEqual({
      markup: '1.2',
      pinnedInputMicrosPerMTok: null,
      pinnedOutputMicrosPerMTok: null,
    });
    // A new one is charged exactly at the new markup (at 2: 0.000003 by a pin, 3.00 by upstream 1.50).
    expect(changes({ markup: '2', inputUsdPerMTok: '0.000003', outputUsdPerMTok: '3' }, m)).toEqual({
      markup: '2',
      inputMicrosPerMTok: 1n,
      pinnedInputMicrosPerMTok: 3n,
      outputMicrosPerMTok: 1_500_000n,
      pinnedOutputMicrosPerMTok: null,
    });
    // PRICE_MARKUP (1.05) written out, or the model's own 1.05 back to PRICE_MARKUP: the same markup, the pins stay.
    expect(changes({ markup: '1.05' }, m)).toEqual({});
    expect(changes({ markup: null }, { ...m, markup: '1.05' })).toEqual({ markup: null });
    // Markup 0 charges nothing: a new non-zero price is refused, 0 is fine (and the other pins go).
    for (const before of [m, model()]) {
      expect(() => changes({ markup: '0', inputUsdPerMTok: '2' }, before)).toThrow(
        /'inputUsdPerMTok': at a markup of 0 every charged price is 0/,
      );
    }
    expect(changes({ markup: '0', inputUsdPerMTok: '0' }, m)).toEqual({
      markup: '0',
      inputMicrosPerMTok: 0n,
      pinnedInputMicrosPerMTok: null,
      pinnedOutputMicrosPerMTok: null,
    });
  });

  it('changes nothing when GET of a model with pins is sent back; with a new markup, the pins go', () => {
    const m = model({ ...PINNED_INPUT, ...PINNED_CACHED, markup: '1.05' });
    const current = toModelView(m, DEFAULTS);
    expect(current).toMatchObject({ inputUsdPerMTok: '1.000000', cachedInputUsdPerMTok: '0.000001' });
    expect(changes(current, m)).toEqual({});
    expect(changes({ ...current, markup: '1.1' }, m)).toEqual({
      markup: '1.1',
      pinnedInputMicrosPerMTok: null,
      pinnedCachedInputMicrosPerMTok: null,
    });
  });

  // The top-level prices were held to the upstream bound (USD 1,000,000 / MTok): GET of a model charging more (upstream
  // at that bound, markup 100) could not be sent back.
  it('takes charged prices up to the largest upstream price at the largest markup, the upstream price still bounded', () => {
    const top = model({ inputMicrosPerMTok: 1_000_000_000_000n, markup: '100' });
    expect(changes(toModelView(top, DEFAULTS), top)).toEqual({});
    expect(changes({ inputUsdPerMTok: '50000000' }, top)).toEqual({ inputMicrosPerMTok: 500_000_000_000n });
    expect(() => changes({ inputUsdPerMTok: '100000000' })).toThrow(
      "Invalid value for 'inputUsdPerMTok': above the largest charged price at markup 1.05 (1050000.000000)",
    );
    // The cache-write price following its default (1.25 x input) is above the upstream bound: sent back, it is taken;
    // set anew, it is refused.
    expect(toModelView(top, DEFAULTS).upstream.cacheWriteUsdPerMTok).toBe('1250000.000000');
    expect(() => changes({ upstream: { cacheWriteUsdPerMTok: '1100000' } }, top)).toThrow(
      "Invalid value for 'upstream.cacheWriteUsdPerMTok': above the largest upstream price (1000000.000000)",
    );
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

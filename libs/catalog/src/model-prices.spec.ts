import fc from 'fast-check';
import { chargedPrices, modelPrices, pinnedPrices, toCatalogModel, toModelPricesView, upstreamPrices } from './model-prices';
import { storedModel } from './testing/stored-model';

const DEFAULTS = { markupMillionths: 1_050_000n, rpmPerAccount: 0 };

const stored = storedModel;

describe(upstreamPrices.name, () => {
  it('fills cache reads at 0.1 x input and cache writes at 1.25 x input when the model has none, rounded up', () => {
    expect(upstreamPrices(stored({ inputMicrosPerMTok: 3_000_001n }))).toEqual({
      inputMicrosPerMTok: 3_000_001n,
      outputMicrosPerMTok: 1_600_000n,
      cachedInputMicrosPerMTok: 300_001n, // 300,000.1
      cacheWriteMicrosPerMTok: 3_750_002n, // 3,750,001.25
    });
  });

  it("keeps the model's own cache prices", () => {
    const own = upstreamPrices(stored({ cachedInputMicrosPerMTok: 50_000n, cacheWriteMicrosPerMTok: 0n }));
    expect(own).toMatchObject({ cachedInputMicrosPerMTok: 50_000n, cacheWriteMicrosPerMTok: 0n });
  });
});

describe(modelPrices.name, () => {
  it('charges upstream x PRICE_MARKUP (1.05) rounded up to 6 decimals of USD, and shows the markup as "1.05"', () => {
    const prices = modelPrices(stored({ inputMicrosPerMTok: 150_000n, outputMicrosPerMTok: 600_001n }), DEFAULTS);
    expect(toModelPricesView(prices)).toEqual({
      inputUsdPerMTok: '0.157500',
      outputUsdPerMTok: '0.630002', // 630,001.05 rounded up
      cachedInputUsdPerMTok: '0.015750', // 0.1 x 0.15 = 0.015, x 1.05
      cacheWriteUsdPerMTok: '0.196875', // 1.25 x 0.15 = 0.1875, x 1.05
      markup: '1.05',
      upstream: {
        inputUsdPerMTok: '0.150000',
        outputUsdPerMTok: '0.600001',
        cachedInputUsdPerMTok: '0.015000',
        cacheWriteUsdPerMTok: '0.187500',
      },
    });
  });

  it("applies the model's own markup", () => {
    const prices = modelPrices(stored({ markup: '1', inputMicrosPerMTok: 1_000_000n }), DEFAULTS);
    expect(prices).toMatchObject({ markup: '1', inputMicrosPerMTok: 1_000_000n, upstream: { inputMicrosPerMTok: 1_000_000n } });
    expect(modelPrices(stored({ markup: '2.5' }), DEFAULTS)).toMatchObject({ markup: '2.5', inputMicrosPerMTok: 1_000_000n });
  });

  it('charges a pinned kind at its pin (1.00 at 1.05: upstream 0.952380, which alone would charge 0.999999), the others as before', () => {
    const pinned = stored({
      inputMicrosPerMTok: 952_380n,
      pinnedInputMicrosPerMTok: 1_000_000n,
      outputMicrosPerMTok: 20_952_380n,
      pinnedOutputMicrosPerMTok: 22_000_000n,
    });
    expect(toModelPricesView(modelPrices(pinned, DEFAULTS))).toEqual({
      inputUsdPerMTok: '1.000000',
      outputUsdPerMTok: '22.000000',
      // The defaults follow the upstream input price: 0.1 x 0.952380 = 0.095238, x 1.05 = 0.0999999, rounded up.
      cachedInputUsdPerMTok: '0.100000',
      cacheWriteUsdPerMTok: '1.249999', // 1.25 x 0.952380 = 1.190475, x 1.05 = 1.24999875
      markup: '1.05',
      upstream: {
        inputUsdPerMTok: '0.952380',
        outputUsdPerMTok: '20.952380',
        cachedInputUsdPerMTok: '0.095238',
        cacheWriteUsdPerMTok: '1.190475',
      },
    });
    expect(modelPrices({ ...pinned, pinnedInputMicrosPerMTok: null }, DEFAULTS).inputMicrosPerMTok).toBe(999_999n);
    expect(modelPrices(stored({ pinnedCacheWriteMicrosPerMTok: 7n }), DEFAULTS).cacheWriteMicrosPerMTok).toBe(7n);
    expect(pinnedPrices(pinned)).toEqual({ inputMicrosPerMTok: 1_000_000n, outputMicrosPerMTok: 22_000_000n });
    expect(pinnedPrices(stored())).toEqual({});
  });

  it('never charges below upstream x markup, nor a micro-dollar or more above it', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: 100_000_000n }), (upstream, markup) => {
        const table = { inputMicrosPerMTok: upstream, outputMicrosPerMTok: upstream, cachedInputMicrosPerMTok: upstream, cacheWriteMicrosPerMTok: upstream };
        const charged = chargedPrices(table, markup).inputMicrosPerMTok * 1_000_000n;
        return charged >= upstream * markup && charged - upstream * markup < 1_000_000n;
      }),
    );
  });
});

describe(toCatalogModel.name, () => {
  it('puts the charged prices where the billing path reads them, the upstream ones beside, and the limit in effect', () => {
    const model = toCatalogModel(stored({ rpmPerAccount: null }), { ...DEFAULTS, rpmPerAccount: 30 });
    expect(model).toMatchObject({
      inputMicrosPerMTok: 420_000n,
      outputMicrosPerMTok: 1_680_000n,
      cachedInputMicrosPerMTok: 42_000n,
      cacheWriteMicrosPerMTok: 525_000n,
      upstream: { inputMicrosPerMTok: 400_000n, cacheWriteMicrosPerMTok: 500_000n },
      markup: '1.05',
      rpmPerAccount: 30,
    });
    expect(toCatalogModel(stored({ rpmPerAccount: 0 }), { ...DEFAULTS, rpmPerAccount: 30 }).rpmPerAccount).toBe(0);
  });

  it('bills a pinned kind at its pin (the billing path reads these fields), and keeps no pin column of its own', () => {
    const model = toCatalogModel(stored({ inputMicrosPerMTok: 952_380n, pinnedInputMicrosPerMTok: 1_000_000n }), DEFAULTS);
    expect(model).toMatchObject({ inputMicrosPerMTok: 1_000_000n, upstream: { inputMicrosPerMTok: 952_380n } });
    expect(Object.keys(model).filter((key) => key.startsWith('pinned'))).toEqual([]);
  });
});

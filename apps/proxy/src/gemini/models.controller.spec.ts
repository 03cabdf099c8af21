import { toCatalogModel } from '@gw/catalog';
import { storedModel } from '../../../../libs/catalog/src/testing/stored-model';
import { bodyProblem } from '../validation/validate-body';
import { geminiModel, modelPage } from './models.controller';
import { GEMINI_MODELS_QUERY } from './models-query.schema';

const flash = toCatalogModel(
  storedModel({
    id: 'google/gemini-2.5-flash',
    provider: 'google',
    maxOutputTokens: 65_536,
    contextWindow: 1_048_576,
    inputMicrosPerMTok: 300_000n,
    outputMicrosPerMTok: 2_500_000n,
    cachedInputMicrosPerMTok: 30_000n,
    cacheWriteMicrosPerMTok: null,
    markup: null,
  }),
  { markupMillionths: 1_050_000n, rpmPerAccount: 0 },
);

describe(geminiModel.name, () => {
  it("lists a model under Google's name for it: models/ and the bare name", () => {
    expect(geminiModel({ name: 'google/gemini-2.5-flash', model: flash })).toEqual({
      name: 'models/gemini-2.5-flash',
      baseModelId: 'gemini-2.5-flash',
      displayName: 'gemini-2.5-flash',
      inputTokenLimit: 1_048_576,
      outputTokenLimit: 65_536,
      supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
      // Charged = upstream x 1.05, rounded up to 6 decimals; cache writes default to 1.25 x input.
      inputUsdPerMTok: '0.315000',
      outputUsdPerMTok: '2.625000',
      cachedInputUsdPerMTok: '0.031500',
      cacheWriteUsdPerMTok: '0.393750',
      markup: '1.05',
      upstream: { inputUsdPerMTok: '0.300000', outputUsdPerMTok: '2.500000', cachedInputUsdPerMTok: '0.030000', cacheWriteUsdPerMTok: '0.375000' },
    });
    // An alias the key's allow-list names it by is already bare.
    expect(geminiModel({ name: 'flash', model: flash }).name).toBe('models/flash');
  });

  it('keeps the canonical id of a model of another provider (looked up through translation)', () => {
    const mini = toCatalogModel(storedModel({ id: 'openai/gpt-4.1-mini', provider: 'openai' }), { markupMillionths: 1_050_000n, rpmPerAccount: 0 });
    expect(geminiModel({ name: 'openai/gpt-4.1-mini', model: mini })).toMatchObject({
      name: 'models/openai/gpt-4.1-mini',
      baseModelId: 'openai/gpt-4.1-mini',
    });
  });
});

describe(modelPage.name, () => {
  const models = ['a', 'b', 'c'].map((name) => geminiModel({ name, model: flash }));

  it('pages with an opaque token until the last page, which has none', () => {
    const first = modelPage(models, 2, undefined);
    expect(first.models.map((model) => model.name)).toEqual(['models/a', 'models/b']);
    const second = modelPage(models, 2, first.nextPageToken);
    expect(second).toEqual({ models: [models[2]] });
    expect(modelPage(models, 0, undefined)).toEqual({ models });
  });

  it('refuses a token it did not give', () => {
    expect(() => modelPage(models, 2, 'garbage')).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => modelPage(models, 2, Buffer.from('0').toString('base64url'))).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('takes page sizes as digits only', () => {
    expect(bodyProblem(GEMINI_MODELS_QUERY, { pageSize: '10', pageToken: 'x' }, 'gemini')).toBeNull();
    expect(bodyProblem(GEMINI_MODELS_QUERY, { pageSize: '-1' }, 'gemini')).toBe("Invalid value for 'pageSize': must be an integer from 0 to 999999");
  });
});

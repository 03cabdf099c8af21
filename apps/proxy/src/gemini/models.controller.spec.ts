import { modelRecord } from '../../../../test/factories/proxy-stage.factory';
import { bodyProblem } from '../validation/validate-body';
import { geminiModel, modelPage } from './models.controller';
import { GEMINI_MODELS_QUERY } from './models-query.schema';

const flash = modelRecord({ id: 'google/gemini-2.5-flash', provider: 'google', maxOutputTokens: 65_536, contextWindow: 1_048_576 });

describe(geminiModel.name, () => {
  it("lists a model under Google's name for it: models/ and the bare name", () => {
    expect(geminiModel({ name: 'google/gemini-2.5-flash', model: flash })).toEqual({
      name: 'models/gemini-2.5-flash',
      baseModelId: 'gemini-2.5-flash',
      displayName: 'gemini-2.5-flash',
      inputTokenLimit: 1_048_576,
      outputTokenLimit: 65_536,
      supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
    });
    // An alias the key's allow-list names it by is already bare.
    expect(geminiModel({ name: 'flash', model: flash }).name).toBe('models/flash');
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

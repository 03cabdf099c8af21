const OPENAI_MODELS = [
  { id: 'gpt-4.1', created: 1744316542 },
  { id: 'gpt-4.1-mini', created: 1744318173 },
  { id: 'gpt-4o-mini', created: 1721172741 },
  { id: 'text-embedding-3-small', created: 1705948997 },
];

const ANTHROPIC_MODELS = [
  { id: 'claude-sonnet-4-6', display_name: 'Claude Sonnet 4.6', created_at: '2026-02-17T00:00:00Z' },
  { id: 'claude-opus-4-6', display_name: 'Claude Opus 4.6', created_at: '2026-02-05T00:00:00Z' },
  { id: 'claude-haiku-4-5', display_name: 'Claude Haiku 4.5', created_at: '2025-10-15T00:00:00Z' },
];

/** `GET /v1/models` in OpenAI's list shape (serialised once: the list never changes). */
export const OPENAI_MODEL_LIST = JSON.stringify({
  object: 'list',
  data: OPENAI_MODELS.map(({ id, created }) => ({ id, object: 'model', created, owned_by: 'system' })),
});

/** `GET /v1/models` in Anthropic's list shape, newest first as Anthropic lists them. */
export const ANTHROPIC_MODEL_LIST = JSON.stringify({
  data: ANTHROPIC_MODELS.map((model) => ({ type: 'model', ...model })),
  has_more: false,
  first_id: ANTHROPIC_MODELS[0].id,
  last_id: ANTHROPIC_MODELS[ANTHROPIC_MODELS.length - 1].id,
});

export interface GeminiModel {
  readonly name: string;
  readonly version: string;
  readonly displayName: string;
  readonly description: string;
  readonly inputTokenLimit: number;
  readonly outputTokenLimit: number;
  readonly supportedGenerationMethods: readonly string[];
  readonly temperature: number;
  readonly topP: number;
  readonly topK: number;
  readonly maxTemperature: number;
  readonly thinking?: boolean;
}

const GENERATION_METHODS = ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'];

function gemini(id: string, displayName: string, outputTokenLimit: number, thinking: boolean): GeminiModel {
  return {
    name: `models/${id}`,
    version: '001',
    displayName,
    description: `${displayName}, served by the mock upstream`,
    inputTokenLimit: 1_048_576,
    outputTokenLimit,
    supportedGenerationMethods: GENERATION_METHODS,
    temperature: 1,
    topP: 0.95,
    topK: thinking ? 64 : 40,
    maxTemperature: 2,
    ...(thinking ? { thinking } : {}),
  };
}

/** `GET /v1beta/models` in Google's shape: `name` is `models/<id>`. */
export const GEMINI_MODELS: readonly GeminiModel[] = [
  gemini('gemini-2.5-pro', 'Gemini 2.5 Pro', 65_536, true),
  gemini('gemini-2.5-flash', 'Gemini 2.5 Flash', 65_536, true),
  gemini('gemini-2.5-flash-lite', 'Gemini 2.5 Flash-Lite', 65_536, true),
  gemini('gemini-2.0-flash', 'Gemini 2.0 Flash', 8_192, false),
];

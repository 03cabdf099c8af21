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

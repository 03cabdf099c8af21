import {
  arrayOf,
  boolean,
  integer,
  number,
  object,
  oneOfValues,
  type Schema,
  string,
  whenType,
  withMessage,
} from '../validation/json-schema';
import { compileBodySchema } from '../validation/validate-body';

const ROLES = ['user', 'assistant'] as const;
const MAX_MESSAGES = 100_000;
const BLOCK = { $ref: '#/$defs/block' };

/** A string or a list of content blocks (messages, a system prompt, tool results, document content). */
const blocks: Schema = withMessage(
  { type: ['string', 'array'], items: BLOCK },
  'must be a string or a list of content blocks',
);

/**
 * A content block: an object with a string `type`. The blocks the gateway reads to price the request (text,
 * documents, tool use and results) are checked in detail; other types, and other fields, are the provider's.
 */
const block = object(
  { required: { type: string() } },
  {
    allOf: [
      whenType('text', { required: { text: string() } }),
      whenType('image', { required: { source: object({ required: { type: string() } }) } }),
      whenType('document', {
        required: { source: object({ required: { type: string() }, optional: { data: string(), content: blocks } }) },
      }),
      whenType('tool_use', { required: { name: string() }, optional: { id: string(), input: object() } }),
      whenType('tool_result', { required: { tool_use_id: string() }, optional: { content: blocks, is_error: boolean() } }),
      whenType('thinking', { required: { thinking: string() }, optional: { signature: string() } }),
    ],
  },
);

const message = object({ required: { role: oneOfValues(ROLES), content: blocks } });

const tool = object({ optional: { type: string(), name: string(), description: string(), input_schema: object() } });

/** What POST /v1/messages/count_tokens reads (beta parameters included: `anthropic-beta` is passed on). */
const countTokensFields = {
  required: {
    model: string({ minLength: 1, maxLength: 256 }),
    messages: arrayOf(message, { minItems: 1, maxItems: MAX_MESSAGES }),
  },
  optional: {
    system: blocks,
    tools: arrayOf(tool),
    tool_choice: object({ required: { type: string() }, optional: { name: string(), disable_parallel_tool_use: boolean() } }),
    thinking: object({ required: { type: string() }, optional: { budget_tokens: integer({ minimum: 0 }) } }),
    cache_control: object(),
    output_config: object(),
    speed: oneOfValues(['standard', 'fast']),
    context_management: object(),
    mcp_servers: arrayOf(object()),
    output_format: object(),
  },
};

const bodyOf = (fields: { required: Record<string, Schema>; optional: Record<string, Schema> }): Schema => ({
  ...object(fields),
  $defs: { block },
});

/**
 * POST /v1/messages/count_tokens, as Anthropic documents it: what the gateway reads is checked in depth, every other
 * field goes to the provider as sent.
 */
export const ANTHROPIC_COUNT_TOKENS_REQUEST = compileBodySchema('count_tokens', bodyOf(countTokensFields));

/**
 * POST /v1/messages, as Anthropic documents it (the sampling parameters of earlier API versions and the beta ones
 * included): messages, content blocks and system blocks are checked in depth, documented parameters by type and
 * range, and every other field goes to the provider as sent.
 */
export const ANTHROPIC_MESSAGES_REQUEST = compileBodySchema(
  'messages',
  bodyOf({
    required: { ...countTokensFields.required, max_tokens: integer({ minimum: 0 }) },
    optional: {
      ...countTokensFields.optional,
      stream: boolean(),
      stop_sequences: arrayOf(string()),
      temperature: number({ minimum: 0, maximum: 1 }),
      top_k: integer({ minimum: 0 }),
      top_p: number({ minimum: 0, maximum: 1 }),
      metadata: object({ optional: { user_id: string() } }),
      service_tier: oneOfValues(['auto', 'standard_only']),
      container: { type: ['string', 'object'] },
      inference_geo: string(),
      diagnostics: object(),
      fallback_credit_token: { type: ['string', 'object'] },
      fallbacks: withMessage({ type: ['string', 'array'], pattern: '^default$', items: object() }, "must be a list or 'default'"),
      thread: object(),
    },
  }),
);

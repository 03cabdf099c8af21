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

const ROLES = ['user', 'assistant', 'system', 'developer'] as const;
const STATELESS = 'the gateway is stateless and stores no responses or conversations';

/** A field the gateway refuses whenever it is set (null stands for "not set"). */
const refused = (reason: string): Schema => withMessage({ type: 'null' }, `not supported (${reason})`);

/**
 * A content part of a message or of a function call's output: an object with a string `type`; the parts the gateway
 * reads to price the request are checked in detail, other types (and other fields) are the provider's business.
 */
const contentPart = object(
  { required: { type: string() } },
  {
    allOf: [
      whenType('input_text', { required: { text: string() } }),
      whenType('output_text', { required: { text: string() } }),
      whenType('refusal', { required: { refusal: string() } }),
      whenType('input_image', { optional: { image_url: string(), file_id: string(), detail: string() } }),
      whenType('input_file', { optional: { file_data: string(), file_id: string(), file_url: string(), filename: string() } }),
      whenType('input_audio', { required: { input_audio: object({ required: { data: string() }, optional: { format: string() } }) } }),
    ],
  },
);

/** A string, or an array of content parts. */
const content: Schema = { type: ['string', 'array'], items: contentPart };

/** Items without a `type` are messages, as OpenAI reads them. */
const isMessage: Schema = {
  anyOf: [{ not: { required: ['type'] } }, { required: ['type'], properties: { type: { const: 'message' } } }],
};

/**
 * An input item: a message (`role` and `content`), a function call and its output, reasoning carried over from an
 * earlier turn (its `encrypted_content`), or an item of another type, passed to the provider as sent; except item
 * references, which point at responses stored by the provider (the gateway stores none).
 */
const inputItem = object(
  {},
  {
    properties: { type: string() },
    allOf: [
      { if: isMessage, then: object({ required: { role: oneOfValues(ROLES), content } }) },
      whenType('function_call', { required: { call_id: string(), name: string(), arguments: string() } }),
      whenType('function_call_output', { required: { call_id: string(), output: content } }),
      whenType('reasoning', {
        optional: {
          summary: arrayOf(object({ required: { type: string(), text: string() } })),
          content: arrayOf(object({ required: { type: string() }, optional: { text: string() } })),
          encrypted_content: string(),
        },
      }),
      {
        if: { required: ['type'], properties: { type: { const: 'item_reference' } } },
        then: withMessage({ not: {} }, `items of type 'item_reference' are not supported (${STATELESS}: send the items themselves)`),
      },
    ],
  },
);

const tool = object(
  { required: { type: string() } },
  {
    allOf: [
      whenType('function', { required: { name: string() }, optional: { description: string(), parameters: object(), strict: boolean() } }),
    ],
  },
);

const textFormat = object(
  { required: { type: string() } },
  {
    allOf: [
      whenType('json_schema', { required: { name: string(), schema: object() }, optional: { description: string(), strict: boolean() } }),
    ],
  },
);

/**
 * POST /v1/responses, as OpenAI documents it: the input items and content parts the hold is priced on, the tools,
 * the structured-output format and the documented parameters are checked in depth; every other field goes to the
 * provider as sent. Stateless: a request that points at something stored (an earlier response, a conversation, a
 * stored prompt, an item reference) is refused, since the gateway stores nothing and cannot price what it cannot read.
 */
export const RESPONSES_REQUEST = compileBodySchema(
  'responses',
  object({
    required: {
      model: string({ minLength: 1, maxLength: 256 }),
      input: { type: ['string', 'array'], items: inputItem, maxItems: 100_000 },
    },
    optional: {
      instructions: string(),
      max_output_tokens: integer({ minimum: 1 }),
      stream: boolean(),
      stream_options: object({ optional: { include_obfuscation: boolean() } }),
      temperature: number({ minimum: 0, maximum: 2 }),
      top_p: number({ minimum: 0, maximum: 1 }),
      tools: arrayOf(tool),
      tool_choice: { type: ['string', 'object'] },
      parallel_tool_calls: boolean(),
      max_tool_calls: integer({ minimum: 1 }),
      text: object({ optional: { format: textFormat, verbosity: string() } }),
      reasoning: object({ optional: { effort: string(), summary: string(), generate_summary: string() } }),
      metadata: object({}, { additionalProperties: string() }),
      store: boolean(),
      include: arrayOf(string()),
      user: string(),
      safety_identifier: string(),
      service_tier: string(),
      prompt_cache_key: string(),
      prompt_cache_retention: string(),
      truncation: string(),
      top_logprobs: integer({ minimum: 0, maximum: 20 }),
      background: boolean(),
      previous_response_id: refused(`${STATELESS}: send the earlier turns in 'input'`),
      conversation: refused(`${STATELESS}: send the earlier turns in 'input'`),
      prompt: refused("a stored prompt cannot be priced before the call: send it in 'instructions' and 'input'"),
    },
  }),
);

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
} from '../validation/json-schema';
import { compileBodySchema } from '../validation/validate-body';

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;

/**
 * A content part: an object with a string `type`; the parts the gateway reads to price the request (text, images,
 * audio, files) are checked in detail, other types (and other fields) are the provider's business.
 */
const contentPart = object(
  { required: { type: string() } },
  {
    allOf: [
      whenType('text', { required: { text: string() } }),
      whenType('image_url', { required: { image_url: object({ required: { url: string() }, optional: { detail: string() } }) } }),
      whenType('input_audio', { required: { input_audio: object({ required: { data: string() }, optional: { format: string() } }) } }),
      whenType('file', { required: { file: object({ optional: { file_data: string(), file_id: string(), filename: string() } }) } }),
      whenType('refusal', { required: { refusal: string() } }),
    ],
  },
);

/** A string, or an array of content parts. */
const content: Schema = { type: ['string', 'array'], items: contentPart };

const functionCall = object({ optional: { name: string(), arguments: string() } });
const toolCall = object({ optional: { id: string(), type: string(), function: functionCall } });

const message = object(
  {
    required: { role: oneOfValues(ROLES) },
    optional: {
      content,
      name: string({ maxLength: 256 }),
      tool_calls: arrayOf(toolCall),
      tool_call_id: string(),
      function_call: functionCall,
      refusal: string(),
      audio: object(),
    },
  },
  // Assistant messages may omit content (tool calls only); every other role must send it.
  { if: { properties: { role: { const: 'assistant' } } }, else: { required: ['content'] } },
);

const tool = object({
  required: { type: string() },
  optional: { function: object({ required: { name: string() }, optional: { description: string(), parameters: object() } }) },
});

/**
 * POST /v1/chat/completions, as OpenAI documents it: the fields the gateway reads are checked in depth (messages,
 * content parts, tool calls, everything the hold is priced on), the documented parameters by type and range, and
 * every other field goes to the provider as sent (OpenAI adds parameters, and returns fields such as `annotations`
 * that agents echo back in the next turn's history).
 */
export const CHAT_COMPLETION_REQUEST = compileBodySchema(
  'chat.completions',
  object({
    required: {
      model: string({ minLength: 1, maxLength: 256 }),
      messages: arrayOf(message, { minItems: 1, maxItems: 100_000 }),
    },
    optional: {
      max_tokens: integer({ minimum: 1 }),
      max_completion_tokens: integer({ minimum: 1 }),
      stream: boolean(),
      stream_options: object({ optional: { include_usage: boolean(), include_obfuscation: boolean() } }),
      temperature: number({ minimum: 0, maximum: 2 }),
      top_p: number({ minimum: 0, maximum: 1 }),
      n: integer({ minimum: 1, maximum: 128 }),
      stop: { type: ['string', 'array'], items: string(), maxItems: 4 },
      presence_penalty: number({ minimum: -2, maximum: 2 }),
      frequency_penalty: number({ minimum: -2, maximum: 2 }),
      logit_bias: object(),
      logprobs: boolean(),
      top_logprobs: integer({ minimum: 0, maximum: 20 }),
      user: string(),
      tools: arrayOf(tool),
      tool_choice: { type: ['string', 'object'] },
      parallel_tool_calls: boolean(),
      functions: arrayOf(object({ required: { name: string() } })),
      function_call: { type: ['string', 'object'] },
      response_format: object({ required: { type: string() } }),
      seed: integer(),
      service_tier: string(),
      store: boolean(),
      metadata: object(),
      modalities: arrayOf(string()),
      audio: object(),
      // Predicted output is priced like message content.
      prediction: object({ optional: { type: string(), content } }),
      reasoning_effort: string(),
      verbosity: string(),
      web_search_options: object(),
      prompt_cache_key: string(),
      prompt_cache_retention: string(),
      safety_identifier: string(),
    },
  }),
);

import { integer, object, oneOfValues, string, withMessage } from '../validation/json-schema';
import { compileBodySchema } from '../validation/validate-body';

const MAX_INPUTS = 2_048;

/** One input of a batch: a non-empty string, a token id, or a non-empty array of token ids. */
const inputItem = withMessage(
  {
    type: ['string', 'integer', 'array'],
    minLength: 1,
    minimum: 0,
    minItems: 1,
    items: integer({ minimum: 0 }),
  },
  'must be a non-empty string, a token id or a non-empty array of token ids',
);

/** POST /v1/embeddings, as OpenAI documents it; other fields go to the provider as sent. */
export const EMBEDDING_REQUEST = compileBodySchema(
  'embeddings',
  object({
    required: {
      model: string({ minLength: 1, maxLength: 256 }),
      input: withMessage(
        { type: ['string', 'array'], minLength: 1, minItems: 1, maxItems: MAX_INPUTS, items: inputItem },
        `must be a non-empty string, or an array of up to ${MAX_INPUTS} non-empty strings or token arrays`,
      ),
    },
    optional: {
      // The openai SDK sends 'base64' unless told otherwise (and decodes it); both go to the provider as sent.
      encoding_format: oneOfValues(['float', 'base64']),
      dimensions: integer({ minimum: 1, maximum: 65_536 }),
      user: string(),
    },
  }),
);

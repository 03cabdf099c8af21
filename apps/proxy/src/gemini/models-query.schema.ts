import { object, string, withMessage } from '../validation/json-schema';
import { compileBodySchema } from '../validation/validate-body';

/** GET /v1beta/models query, as Google documents it (page size and token); other parameters are ignored. */
export const GEMINI_MODELS_QUERY = compileBodySchema(
  'gemini.models.query',
  object({
    optional: {
      pageSize: withMessage(string({ pattern: '^(?:0|[1-9]\\d{0,5})$' }), 'must be an integer from 0 to 999999'),
      pageToken: string({ maxLength: 256 }),
    },
  }),
);

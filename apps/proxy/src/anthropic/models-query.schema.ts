import { object, string, withMessage } from '../validation/json-schema';
import { compileBodySchema } from '../validation/validate-body';

/** GET /v1/models query, as Anthropic documents it (cursor pagination); other parameters are ignored. */
export const ANTHROPIC_MODELS_QUERY = compileBodySchema(
  'models.query',
  object({
    optional: {
      limit: withMessage(string({ pattern: '^(?:[1-9]\\d{0,2}|1000)$' }), 'must be an integer from 1 to 1000'),
      after_id: string({ maxLength: 256 }),
      before_id: string({ maxLength: 256 }),
    },
  }),
);

import type { WireProtocol } from '@gw/common';
import { ANTHROPIC_COUNT_TOKENS_REQUEST, ANTHROPIC_MESSAGES_REQUEST } from '../anthropic/messages.schema';
import { GEMINI_COUNT_TOKENS_REQUEST, GEMINI_GENERATE_CONTENT_REQUEST } from '../gemini/generate-content.schema';
import { CHAT_COMPLETION_REQUEST } from '../openai/chat-completion.schema';
import { EMBEDDING_REQUEST } from '../openai/embedding.schema';
import { RESPONSES_REQUEST } from '../openai/responses.schema';
import type { BodySchema } from './validate-body';

/** The schema a route checks its body against (@GatewayRoute's `body`), by name, and the protocol wording its problems. */
export interface RouteBody {
  schema: string;
  protocol: WireProtocol;
}

/**
 * Every request schema a route names in @GatewayRoute({ body }), by name (unique), so that a worker thread can check a
 * large body where it parsed it: a thread is handed the route's schema by name, as it cannot be handed the compiled
 * function. Keyed by schema rather than by route path: Gemini's three method routes share one path
 * (`/gemini/v1beta/models/*`) and check their bodies against two schemas. A schema missing here only loses that
 * shortcut: its body is then checked on the event loop, as small bodies are (body-schemas.spec.ts checks none is).
 */
export const BODY_SCHEMAS: ReadonlyMap<string, BodySchema> = new Map(
  [
    CHAT_COMPLETION_REQUEST,
    RESPONSES_REQUEST,
    EMBEDDING_REQUEST,
    ANTHROPIC_MESSAGES_REQUEST,
    ANTHROPIC_COUNT_TOKENS_REQUEST,
    GEMINI_GENERATE_CONTENT_REQUEST,
    GEMINI_COUNT_TOKENS_REQUEST,
  ].map((schema) => [schema.name, schema]),
);

import type { WireProtocol } from '@gw/common';
import { ANTHROPIC_COUNT_TOKENS_REQUEST, ANTHROPIC_MESSAGES_REQUEST } from '../anthropic/messages.schema';
import { CHAT_COMPLETION_REQUEST } from '../openai/chat-completion.schema';
import { EMBEDDING_REQUEST } from '../openai/embedding.schema';
import { RESPONSES_REQUEST } from '../openai/responses.schema';
import type { BodySchema } from './validate-body';

export interface RouteBody {
  schema: BodySchema;
  protocol: WireProtocol;
}

/**
 * The schema of each route's body, by route path (the routes name the same schemas in @GatewayRoute), so that a
 * worker thread can check a large body where it parsed it. A route missing here only loses that shortcut: its body is
 * then checked on the event loop, as small bodies are.
 */
export const BODY_BY_ROUTE: Readonly<Record<string, RouteBody>> = {
  '/v1/chat/completions': { schema: CHAT_COMPLETION_REQUEST, protocol: 'openai' },
  '/v1/responses': { schema: RESPONSES_REQUEST, protocol: 'openai' },
  '/v1/embeddings': { schema: EMBEDDING_REQUEST, protocol: 'openai' },
  '/anthropic/v1/messages': { schema: ANTHROPIC_MESSAGES_REQUEST, protocol: 'anthropic' },
  '/anthropic/v1/messages/count_tokens': { schema: ANTHROPIC_COUNT_TOKENS_REQUEST, protocol: 'anthropic' },
};

import type { IncomingMessage } from 'node:http';
import type { ConstraintStrategy, HTTPVersion } from 'find-my-way';

/** The route constraint that tells Gemini's method routes apart (RouteConstraints({ geminiMethod: 'countTokens' })). */
export const GEMINI_METHOD = 'geminiMethod';

/**
 * The method of a Gemini method path, `/…/models/{model}:{method}`: what follows the path's last colon, or undefined
 * when it has none. The model may itself hold slashes (`google/gemini-2.5-flash`), so the routes match the rest of the
 * path with a wildcard and tell generateContent, streamGenerateContent and countTokens apart by this value.
 */
export function geminiMethodOf(url: string): string | undefined {
  const query = url.indexOf('?');
  const end = query < 0 ? url.length : query;
  const colon = url.lastIndexOf(':', end - 1);
  const slash = url.lastIndexOf('/', end - 1);
  return colon < 0 || colon < slash ? undefined : url.slice(colon + 1, end);
}

/**
 * find-my-way's custom constraint strategy for GEMINI_METHOD (registered with fastify.addConstraintStrategy before the
 * routes). Routes without the constraint still match whatever it derives (mustMatchWhenDerived false), so a colon in
 * another protocol's path changes nothing; a Gemini method no route declares is a 404.
 */
export const geminiMethodConstraint: ConstraintStrategy<HTTPVersion.V1, string | undefined> = {
  name: GEMINI_METHOD,
  mustMatchWhenDerived: false,
  storage() {
    const handlers = new Map<string | undefined, ReturnType<ReturnType<ConstraintStrategy<HTTPVersion.V1>['storage']>['get']>>();
    return {
      get: (method) => handlers.get(method) ?? null,
      set: (method, store) => {
        handlers.set(method, store);
      },
    };
  },
  deriveConstraint: (request: IncomingMessage) => geminiMethodOf(request.url ?? ''),
  validate(value: unknown): void {
    if (typeof value !== 'string') throw new TypeError(`${GEMINI_METHOD} must be a string`);
  },
};

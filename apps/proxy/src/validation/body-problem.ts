import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * What was wrong with a gateway request's body (not UTF-8 JSON, too large, another content type, a charset or a
 * Content-Encoding), as the body parser found it: the error it would have thrown, kept on the request instead, so that
 * the request still meets authentication (401 first) and admission (counted, X-RateLimit-*) before its body is refused
 * (raiseBodyProblem, in the AdmitGuard). A decorated property, so every request keeps one shape; null when the body had
 * no problem.
 */
const BODY_PROBLEM = Symbol('bodyProblem');

type WithBodyProblem = FastifyRequest & { [BODY_PROBLEM]: Error | null | undefined };

export function registerBodyProblem(fastify: FastifyInstance): void {
  fastify.decorateRequest(BODY_PROBLEM, null);
}

/** Keeps a problem of the request's body for later; the first one found is the one answered. */
export function recordBodyProblem(request: FastifyRequest, problem: Error): void {
  (request as WithBodyProblem)[BODY_PROBLEM] ??= problem;
}

export function bodyProblemOf(request: FastifyRequest): Error | null {
  return (request as WithBodyProblem)[BODY_PROBLEM] ?? null;
}

/**
 * Throws the problem recorded on the request's body, if any, for the route's filter to answer (once the request was
 * authenticated and admitted). Such a body may be unread or read in part: the connection closes after the answer, as
 * Fastify closes it after a parser's error, rather than reading what the client still sends as a next request.
 */
export function raiseBodyProblem(request: FastifyRequest, reply: FastifyReply): void {
  const problem = bodyProblemOf(request);
  if (problem === null) return;
  reply.header('connection', 'close');
  throw problem;
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LogFields, runWithLogFields } from './log-context';

const FIELDS = Symbol('logFields');

/**
 * Puts `fieldsOf(request)` on every log line written while the request is handled. Entered at onRequest and again at
 * preHandler: the body is parsed in between, in the socket's async context rather than the request's.
 */
export function bindRequestLogFields(fastify: FastifyInstance, fieldsOf: (request: FastifyRequest) => LogFields): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const fields = fieldsOf(request);
    (request as unknown as Record<symbol, LogFields>)[FIELDS] = fields;
    runWithLogFields(fields, done);
  });
  fastify.addHook('preHandler', (request, _reply, done) => {
    const fields = (request as unknown as Record<symbol, LogFields>)[FIELDS];
    if (fields) runWithLogFields(fields, done);
    else done();
  });
}

import Fastify, { FastifyInstance } from 'fastify';
import { registerAdminJsonBodyParser } from './json-body.parser';

describe(registerAdminJsonBodyParser.name, () => {
  let fastify: FastifyInstance;

  beforeAll(async () => {
    fastify = Fastify();
    registerAdminJsonBodyParser(fastify);
    fastify.setErrorHandler((error, _request, reply) => {
      reply.status(400).send({ message: (error as Error).message });
    });
    fastify.post('/', async (request) => ({ body: request.body }));
    await fastify.ready();
  });

  afterAll(async () => {
    await fastify.close();
  });

  const post = (payload: string) =>
    fastify.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload });

  it('parses a JSON object', async () => {
    const response = await post('{"name":"a","nested":{"constructor":"fine"}}');
    expect(response.json()).toEqual({ body: { name: 'a', nested: { constructor: 'fine' } } });
  });

  // Valid JSON with a prototype-poisoning key was answered "Body is not valid JSON", like broken JSON.
  it.each(['{"__proto__":{"admin":true},"name":"a"}', '{"a":[{"constructor":{"prototype":{"x":1}}}]}'])(
    'names the field of %s instead of calling the JSON invalid',
    async (payload) => {
      const response = await post(payload);
      expect(response.json()).toEqual({
        message: "Invalid field name: '__proto__' and 'constructor.prototype' are not accepted",
      });
    },
  );

  it('still calls broken JSON broken', async () => {
    expect((await post('{"__proto__":')).json().message).toMatch(/not valid JSON/);
  });
});

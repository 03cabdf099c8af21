import { gzipSync } from 'node:zlib';
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

  // A gzip body was answered "Request body is not valid UTF-8": true, but it did not say what to change.
  it.each([
    [{ 'content-encoding': 'gzip' }, gzipSync('{"name":"a"}'), 'Unsupported Content-Encoding: send the body uncompressed'],
    [{ 'content-type': 'application/json; charset=latin1' }, Buffer.from('{"name":"\xe9"}', 'latin1'), 'Unsupported charset: send JSON in UTF-8'],
  ])('refuses a body sent with %j in the proxy\'s words', async (headers, payload, message) => {
    const response = await fastify.inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/json', ...headers },
      payload,
    });
    expect(response.json()).toEqual({ message });
  });

  it('still calls broken JSON broken', async () => {
    expect((await post('{"__proto__":')).json().message).toMatch(/not valid JSON/);
  });
});

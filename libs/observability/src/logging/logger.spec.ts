import { Writable } from 'node:stream';
import { runWithLogFields } from './log-context';
import { createLogger } from './logger';
import { NestPinoLogger } from './nest-logger';
import { scrubSecrets } from './secret-scrubber';

function capture(level = 'trace') {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      raw.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const logger = createLogger({ app: 'proxy', level, instanceId: 'host:1', destination });
  return { logger, lines, raw };
}

describe(createLogger.name, () => {
  it('writes one JSON object per line with the app, instance, level name and time', () => {
    const { logger, lines } = capture();
    logger.info({ status: 200 }, 'request');
    expect(lines).toEqual([
      { level: 'info', time: expect.any(String), app: 'proxy', instance: 'host:1', status: 200, msg: 'request' },
    ]);
  });

  it('adds the generation and request ids of the request being handled to every line', async () => {
    const { logger, lines } = capture();
    await runWithLogFields({ generationId: 'gen-1', requestId: 'req-1' }, async () => {
      await Promise.resolve();
      logger.warn('inside');
    });
    logger.warn('outside');
    expect(lines[0]).toMatchObject({ generationId: 'gen-1', requestId: 'req-1', msg: 'inside' });
    expect(lines[1]).not.toHaveProperty('generationId');
  });

  it('redacts credentials and bodies wherever a caller puts them', () => {
    const { logger, raw } = capture();
    logger.info({
      headers: { authorization: 'Bearer s3cr3t-token', 'x-api-key': 'k3y-value' },
      apiKey: 'channel-secret',
      token: 'staff-secret',
      webhook: { url: 'https://example.com/hook', secret: 'whsec-signing' },
      body: { messages: [{ content: 'private prompt' }] },
      request: { body: 'private prompt' },
    });
    const line = raw.join('');
    for (const secret of ['s3cr3t-token', 'k3y-value', 'channel-secret', 'staff-secret', 'whsec-signing', 'private prompt']) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('[redacted]');
  });

  it('logs errors as type, message, code and stack only (never their other fields)', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error('boom', { cause: new Error('root') }), {
      code: 'ECONNRESET',
      config: { headers: { authorization: 'Bearer leaked' } },
    });
    logger.error({ err: error }, 'failed');
    expect(lines[0].err).toEqual({
      type: 'Error',
      message: 'boom',
      code: 'ECONNRESET',
      stack: expect.stringContaining('Error: boom'),
      cause: { type: 'Error', message: 'root', stack: expect.any(String) },
    });
    expect(JSON.stringify(lines[0])).not.toContain('leaked');
  });

  it('honours the level', () => {
    const { logger, lines } = capture('warn');
    logger.info('hidden');
    logger.debug('hidden');
    logger.warn('shown');
    expect(lines.map((line) => line.msg)).toEqual(['shown']);
  });
});

describe(scrubSecrets.name, () => {
  it.each([
    ['a gateway key', 'key ck-abcdefghijABCDEFGHIJ0123456789xy used', 'key [redacted] used'],
    ['a bearer token', '"authorization: Bearer adm-123.456"', '"authorization: Bearer [redacted]"'],
    ['a provider key', 'sent sk-ant-api03-abcdefgh to anthropic', 'sent [redacted] to anthropic'],
  ])('masks %s inside any text', (_what, line, expected) => {
    expect(scrubSecrets(line)).toBe(expected);
  });

  it('leaves ordinary lines as they are (the same string: no copy)', () => {
    const line = '{"msg":"request","keyId":"5401d846-a8ec","generationId":"gen-01"}';
    expect(scrubSecrets(line)).toBe(line);
  });
});

describe(NestPinoLogger.name, () => {
  it("maps Nest's calls (message, optional stack, context last) onto pino levels", () => {
    const { logger, lines } = capture();
    const nest = new NestPinoLogger(logger);
    nest.log('started', 'ModelCatalog');
    nest.error('failed', 'Error: x\n    at y (z.js:1:1)', 'ProxyErrors');
    nest.warn({ held: 2 }, 'Billing');
    nest.verbose('fine detail', 'Catalog');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', context: 'ModelCatalog', msg: 'started' }),
      expect.objectContaining({ level: 'error', context: 'ProxyErrors', stack: 'Error: x\n    at y (z.js:1:1)', msg: 'failed' }),
      expect.objectContaining({ level: 'warn', context: 'Billing', held: 2 }),
      expect.objectContaining({ level: 'trace', context: 'Catalog', msg: 'fine detail' }),
    ]);
  });
});

describe('createLogger, LOG_FORMAT=pretty', () => {
  it('writes one readable line per entry, secrets still masked', () => {
    const raw: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        raw.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ app: 'proxy', level: 'info', instanceId: 'host:1', destination, format: 'pretty' });
    logger.info({ context: 'Demo', status: 200, note: 'ck-0123456789abcdefghijABCDEFGHIJ0123' }, 'request');
    const text = raw.join('');
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    expect(text).toContain('[proxy] Demo: request');
    expect(text).toContain('"status":200');
    expect(text).not.toContain('ck-0123456789abcdefghijABCDEFGHIJ0123');
    expect(() => JSON.parse(text)).toThrow();
  });
});

describe('NestPinoLogger start-up narration', () => {
  it("writes Nest's module and route lines at debug, everything else at info", () => {
    const { logger, lines } = capture('info');
    const nest = new NestPinoLogger(logger);
    nest.log('Mapped {/v1/models, GET} route', 'RouterExplorer');
    nest.log('ConfigModule dependencies initialized', 'InstanceLoader');
    nest.log('catalog loaded', 'ModelCatalog');
    expect(lines.map((line) => line.msg)).toEqual(['catalog loaded']);
  });
});

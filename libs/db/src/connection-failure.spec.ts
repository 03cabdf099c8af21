import { isDatabaseUnreachable } from './connection-failure';

describe(isDatabaseUnreachable.name, () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a connection dropped mid-query', new Error('Connection terminated unexpectedly')],
    ['no connection in time', new Error('timeout exceeded when trying to connect')],
    ['a query past its deadline (DB_QUERY_TIMEOUT_MS: a hung link)', new Error('Query read timeout')],
    ['a server shutting down', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['a connection exception (class 08)', Object.assign(new Error('connection failure'), { code: '08006' })],
    [
      "Prisma's unreachable database",
      Object.assign(new Error('Invalid invocation'), {
        code: 'P1001',
        meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable' } } },
      }),
    ],
    ['a wrapped cause', new Error('billing failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) })],
  ])('recognises %s', (_what, error) => {
    expect(isDatabaseUnreachable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', Object.assign(new Error('duplicate key value'), { code: '23505' })],
    ['a Prisma not-found', Object.assign(new Error('not found'), { code: 'P2025' })],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a non-error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('does not mistake %s for it', (_what, error) => {
    expect(isDatabaseUnreachable(error)).toBe(false);
  });
});

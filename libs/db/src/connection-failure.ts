/** Socket-level failures and PostgreSQL's "cannot serve now" SQLSTATEs (shutdown, starting up, too many clients). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  // Prisma: can't reach the server, timed out, server closed the connection, no connection from the pool in time.
  'P1001',
  'P1002',
  'P1017',
  'P2024',
]);
/** Prisma's driver-adapter error kinds that mean the same. */
const UNREACHABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/**
 * node-postgres's own wording for a connection that broke or never came, or a query past its deadline
 * (DB_QUERY_TIMEOUT_MS: the link may be hung).
 */
const UNREACHABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/;
const MAX_DEPTH = 5;

/**
 * Whether an error means "the database could not be reached" (rather than a bad query or a constraint): the caller
 * should answer 503 and be retried, never 500. Looks through Prisma's wrapping and `cause` chains.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < MAX_DEPTH && current !== null && typeof current === 'object'; depth++) {
    const candidate = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      meta?: { driverAdapterError?: { cause?: { kind?: unknown } } };
    };
    const code = typeof candidate.code === 'string' ? candidate.code : '';
    if (UNREACHABLE_CODES.has(code) || code.startsWith('08')) return true;
    const kind = candidate.meta?.driverAdapterError?.cause?.kind;
    if (typeof kind === 'string' && UNREACHABLE_KINDS.has(kind)) return true;
    if (typeof candidate.message === 'string' && UNREACHABLE_MESSAGE.test(candidate.message)) return true;
    current = candidate.cause;
  }
  return false;
}

import { randomFillSync } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Random bytes drawn 4 KB at a time: one system call per 256 ids instead of one per id. */
const POOL = Buffer.allocUnsafe(4096);
let poolOffset = POOL.length;

function randomBlock(): number {
  if (poolOffset + 16 > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += 16;
  return at;
}

/**
 * A ULID: 48 bits of milliseconds then 80 random bits, Crockford base32. Sorts by time, which keeps generation ids
 * usable as pagination cursors and groups a time range together in indexes.
 */
export function ulid(now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const at = randomBlock();
  let random = '';
  for (let i = at; i < at + 16; i++) random += CROCKFORD[POOL[i] & 31];
  return time + random;
}

/** The id of one request through the gateway, returned as `x-chuizi-generation-id`. */
export function newGenerationId(): string {
  return `gen-${ulid()}`;
}

export function newRequestId(): string {
  return `req-${ulid()}`;
}

const CLIENT_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** A client's `X-Request-Id` is echoed only if it is short printable ASCII, so it can't smuggle header content. */
export function acceptClientRequestId(value: unknown): string | null {
  return typeof value === 'string' && CLIENT_REQUEST_ID.test(value) ? value : null;
}

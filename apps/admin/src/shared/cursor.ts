import { GatewayError, isUtcDay } from '@gw/common';
import type { RollupPosition, TimePosition } from '@gw/db';
import { isUuid } from './uuid';

/**
 * Cursors are opaque to clients (base64url JSON of the last row's position); only this file knows their shape.
 * A cursor that does not decode is the client's mistake: 400 naming the field.
 */
function encode(payload: Record<string, string>): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

function decode(cursor: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw invalidCursor();
}

function invalidCursor(): GatewayError {
  return GatewayError.invalidRequest("Invalid value for 'cursor': pass the nextCursor of a previous page");
}

export const timeCursor = {
  encode: (position: TimePosition | null): string | null =>
    position ? encode({ t: position.createdAt.toISOString(), i: position.id }) : null,
  decode: (cursor: string | undefined): TimePosition | null => {
    if (cursor === undefined) return null;
    const { t, i } = decode(cursor);
    const createdAt = typeof t === 'string' ? new Date(t) : null;
    if (!createdAt || Number.isNaN(createdAt.getTime()) || typeof i !== 'string' || i.length === 0)
      throw invalidCursor();
    return { createdAt, id: i };
  },
};

/** For rows ordered by a bigint id (ledger entries, audit entries). */
export const serialCursor = {
  encode: (id: bigint | null): string | null => (id === null ? null : encode({ i: id.toString() })),
  decode: (cursor: string | undefined): bigint | null => {
    if (cursor === undefined) return null;
    const { i } = decode(cursor);
    if (typeof i !== 'string' || !/^\d{1,19}$/.test(i)) throw invalidCursor();
    return BigInt(i);
  },
};

/** For rows ordered by a text id (models). */
export const textCursor = {
  encode: (id: string | null): string | null => (id === null ? null : encode({ i: id })),
  decode: (cursor: string | undefined): string | null => {
    if (cursor === undefined) return null;
    const { i } = decode(cursor);
    if (typeof i !== 'string' || i.length === 0) throw invalidCursor();
    return i;
  },
};

/** For daily usage rollups, ordered by (day, account, key, model). */
export const rollupCursor = {
  encode: (position: RollupPosition | null): string | null =>
    position ? encode({ d: position.day, a: position.accountId, k: position.keyId, m: position.model }) : null,
  decode: (cursor: string | undefined): RollupPosition | null => {
    if (cursor === undefined) return null;
    const { d, a, k, m } = decode(cursor);
    if (!isUtcDay(d) || typeof a !== 'string' || !isUuid(a) || typeof k !== 'string' || !isUuid(k)) {
      throw invalidCursor();
    }
    if (typeof m !== 'string') throw invalidCursor();
    return { day: d, accountId: a, keyId: k, model: m };
  },
};

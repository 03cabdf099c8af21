import { GatewayError, isUtcDay } from '@gw/common';
import type { RollupPosition, TimePosition } from '@gw/db';
import { isStorableText } from './storable-text';
import { isUuid } from './uuid';

/**
 * Cursors are opaque to clients (base64url JSON of the last row's position); only this file knows their shape.
 * A cursor is client input like any other: every part of it is checked to be what this file wrote (an id of the
 * list's own form, a timestamp the database can hold, an integer in BIGINT's range) before a query sees it, and one
 * that is not is the client's mistake: 400 naming the field.
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

/** What toISOString() writes for years 1 to 9999: the only timestamps a time cursor carries. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MAX_SERIAL = 9_223_372_036_854_775_807n;
const MAX_TEXT_ID_LENGTH = 256;
/** The generation ids usage records are keyed by (`gen-` + a ULID, or any short printable id a test wrote). */
const GENERATION_ID = /^[\x21-\x7e]{1,64}$/;

function timestampOf(value: unknown): Date | null {
  if (typeof value !== 'string' || !ISO_TIMESTAMP.test(value) || value.startsWith('0000')) return null;
  const date = new Date(value);
  return !Number.isNaN(date.getTime()) && date.toISOString() === value ? date : null;
}

function isTextId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TEXT_ID_LENGTH && isStorableText(value);
}

/** Newest-first lists ordered by (createdAt, id): `isId` says what the list's ids look like. */
function timeCursorOf(isId: (id: string) => boolean) {
  return {
    encode: (position: TimePosition | null): string | null =>
      position ? encode({ t: position.createdAt.toISOString(), i: position.id }) : null,
    decode: (cursor: string | undefined): TimePosition | null => {
      if (cursor === undefined) return null;
      const { t, i } = decode(cursor);
      const createdAt = timestampOf(t);
      if (!createdAt || typeof i !== 'string' || !isId(i)) throw invalidCursor();
      return { createdAt, id: i };
    },
  };
}

/** For rows with a UUID id (accounts, keys, staff, channels). */
export const timeCursor = timeCursorOf(isUuid);

/** For usage records, ordered by (createdAt, generationId). */
export const generationCursor = timeCursorOf((id) => GENERATION_ID.test(id));

/** For rows ordered by a bigint id (ledger entries, audit entries). */
export const serialCursor = {
  encode: (id: bigint | null): string | null => (id === null ? null : encode({ i: id.toString() })),
  decode: (cursor: string | undefined): bigint | null => {
    if (cursor === undefined) return null;
    const { i } = decode(cursor);
    if (typeof i !== 'string' || !/^\d{1,19}$/.test(i) || BigInt(i) > MAX_SERIAL) throw invalidCursor();
    return BigInt(i);
  },
};

/** For rows ordered by a text id (models). */
export const textCursor = {
  encode: (id: string | null): string | null => (id === null ? null : encode({ i: id })),
  decode: (cursor: string | undefined): string | null => {
    if (cursor === undefined) return null;
    const { i } = decode(cursor);
    if (!isTextId(i)) throw invalidCursor();
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
    if (!isTextId(m)) throw invalidCursor();
    return { day: d, accountId: a, keyId: k, model: m };
  },
};

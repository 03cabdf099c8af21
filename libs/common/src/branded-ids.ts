/**
 * Typed ids for the calls that move money: an AccountId, a KeyId and a GenerationId are all strings at run time, and
 * swapping two of them must not compile. Values are made only by the parse functions below (or, for generation ids,
 * by newGenerationId), which also keep anything that could break a Redis key or a Lua script out of the wallet.
 */
import { newGenerationId } from './ids';

declare const brand: unique symbol;
type Branded<T, B extends string> = T & { readonly [brand]: B };

export type AccountId = Branded<string, 'AccountId'>;
export type KeyId = Branded<string, 'KeyId'>;
export type GenerationId = Branded<string, 'GenerationId'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** What the gateway's generation ids look like (`gen-` + a ULID), with room for other printable ids. */
const GENERATION = /^[A-Za-z0-9_.-]{1,128}$/;

export class InvalidIdError extends Error {
  constructor(kind: string, value: unknown) {
    super(`not a valid ${kind}: ${JSON.stringify(value)?.slice(0, 80)}`);
    this.name = 'InvalidIdError';
  }
}

/** A lowercase UUID (PostgreSQL's text form): keys derived from it must be the same whatever case a caller used. */
export function accountId(value: string): AccountId {
  return uuid('account id', value) as AccountId;
}

export function keyId(value: string): KeyId {
  return uuid('key id', value) as KeyId;
}

export function generationId(value: string): GenerationId {
  if (typeof value !== 'string' || !GENERATION.test(value)) throw new InvalidIdError('generation id', value);
  return value as GenerationId;
}

/** A new request's generation id (newGenerationId), typed: valid by construction. */
export function freshGenerationId(): GenerationId {
  return newGenerationId() as GenerationId;
}

function uuid(kind: string, value: string): string {
  const id = typeof value === 'string' ? value.toLowerCase() : value;
  if (!UUID.test(id)) throw new InvalidIdError(kind, value);
  return id;
}

/**
 * Typed ids for money calls: an AccountId and a GenerationId are both strings, and swapping two of them must not
 * compile. Values are made only by the parse functions, which also keep anything that could break a Redis key or a
 * Lua script out of the wallet.
 */
declare const brand: unique symbol;
type Branded<T, B extends string> = T & { readonly [brand]: B };

export type AccountId = Branded<string, 'AccountId'>;
export type GenerationId = Branded<string, 'GenerationId'>;
export type KeyId = Branded<string, 'KeyId'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** What the gateway's generation ids look like (`gen-` + a ULID), with room for other printable ids. */
const GENERATION = /^[A-Za-z0-9_.-]{1,128}$/;

export class InvalidWalletIdError extends Error {
  constructor(kind: string, value: unknown) {
    super(`not a valid ${kind}: ${JSON.stringify(value)?.slice(0, 80)}`);
    this.name = 'InvalidWalletIdError';
  }
}

/** A lowercase UUID (PostgreSQL's text form): the wallet's keys must be the same whatever case a caller used. */
export function accountId(value: string): AccountId {
  const id = typeof value === 'string' ? value.toLowerCase() : value;
  if (!UUID.test(id)) throw new InvalidWalletIdError('account id', value);
  return id as AccountId;
}

export function keyId(value: string): KeyId {
  const id = typeof value === 'string' ? value.toLowerCase() : value;
  if (!UUID.test(id)) throw new InvalidWalletIdError('key id', value);
  return id as KeyId;
}

export function generationId(value: string): GenerationId {
  if (typeof value !== 'string' || !GENERATION.test(value)) throw new InvalidWalletIdError('generation id', value);
  return value as GenerationId;
}

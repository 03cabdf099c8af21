import { webcrypto } from 'node:crypto';
import { IdempotencyKeys, randomIdempotencyKey } from './idempotency';

describe(IdempotencyKeys.name, () => {
  let counter: number;
  let sut: IdempotencyKeys;

  beforeEach(() => {
    counter = 0;
    sut = new IdempotencyKeys(() => `key-${++counter}`);
  });

  it('sends the same key again for the same write until it succeeded (double-click, retry after a lost answer)', () => {
    expect(sut.keyFor('acct-1 10.00 inv-7')).toBe('key-1');
    expect(sut.keyFor('acct-1 10.00 inv-7')).toBe('key-1');
    sut.settle();
    expect(sut.keyFor('acct-1 10.00 inv-7')).toBe('key-2');
  });

  it('takes a new key when what to write changed', () => {
    expect(sut.keyFor('acct-1 10.00')).toBe('key-1');
    expect(sut.keyFor('acct-1 20.00')).toBe('key-2');
    expect(sut.keyFor('acct-1 10.00')).toBe('key-3');
  });
});

describe(randomIdempotencyKey.name, () => {
  it('is a version-4 UUID, within the API header rule (1-255 printable ASCII)', () => {
    const random = (bytes: Uint8Array) => webcrypto.getRandomValues(bytes);
    const keys = new Set(Array.from({ length: 100 }, () => randomIdempotencyKey(random)));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

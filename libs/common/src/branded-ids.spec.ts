import { accountId, freshGenerationId, generationId, InvalidIdError, keyId } from './branded-ids';

describe('branded ids', () => {
  it('takes UUIDs in any case and gives them in PostgreSQL text form', () => {
    expect(accountId('7D4B2A9C-1E3F-4C5A-8B6D-2E9F0A1B3C4D')).toBe('7d4b2a9c-1e3f-4c5a-8b6d-2e9f0a1b3c4d');
    expect(keyId('0b6f5c1e-3f0a-4d9e-9a51-4f1f8c1f2b10')).toBe('0b6f5c1e-3f0a-4d9e-9a51-4f1f8c1f2b10');
  });

  it('refuses what could break a key or a script', () => {
    expect(() => accountId('acct-1')).toThrow(InvalidIdError);
    expect(() => keyId('')).toThrow(InvalidIdError);
    expect(() => generationId('has space')).toThrow(InvalidIdError);
    expect(() => generationId('{w01}')).toThrow(InvalidIdError);
  });

  it('makes fresh generation ids that parse as generation ids, each different', () => {
    const ids = new Set(Array.from({ length: 600 }, () => freshGenerationId()));
    expect(ids.size).toBe(600);
    for (const id of ids) expect(generationId(id)).toBe(id);
  });
});

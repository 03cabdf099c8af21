import { accountId, generationId, InvalidWalletIdError } from './wallet-ids';
import { shardOf, WalletKeys } from './wallet-keys';

describe(WalletKeys.name, () => {
  const account = accountId('6D30B904-619D-4E96-8D9F-CF06F9C53CF8');
  const sut = new WalletKeys('gw:', 16);

  it('puts every key of an account and its shard under one hash tag (one Redis Cluster slot)', () => {
    const shard = sut.shardOf(account);
    const tag = `{w${String(shard).padStart(2, '0')}}`;
    const generation = generationId('gen-01M95CJ4H64W2STZ38QC3VV83H');
    for (const key of [
      sut.account(account),
      sut.unflushed(account),
      sut.credited(account),
      sut.hold(account, generation),
      sut.done(account, generation),
      sut.holds(shard),
      sut.events(shard),
    ]) {
      expect(key.startsWith(`gw:${tag}:`)).toBe(true);
    }
    expect(sut.account(account)).toBe(`gw:${tag}:acct:6d30b904-619d-4e96-8d9f-cf06f9c53cf8`);
  });

  it('hashes account ids to shards stably: the same shard in every process and version (FNV-1a)', () => {
    // Fixed vectors: changing the hash would move every account's keys.
    expect(shardOf(accountId('6d30b904-619d-4e96-8d9f-cf06f9c53cf8'), 1024)).toBe(766);
    expect(shardOf(accountId('6d30b904-619d-4e96-8d9f-cf06f9c53cf8'), 16)).toBe(14);
  });

  it('spreads accounts over the shards', () => {
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 1_600; i++) {
      const hex = i.toString(16).padStart(12, '0');
      counts[shardOf(accountId(`00000000-0000-4000-8000-${hex}`), 16)]++;
    }
    expect(Math.min(...counts)).toBeGreaterThan(50);
  });

  it('accepts only ids that cannot break a key: lowercase UUIDs and printable generation ids', () => {
    expect(() => accountId('acct-1')).toThrow(InvalidWalletIdError);
    expect(() => generationId('has space')).toThrow(InvalidWalletIdError);
    expect(() => generationId('{w01}')).toThrow(InvalidWalletIdError);
    expect(generationId('gen-01M95CJ4H64W2STZ38QC3VV83H')).toBe('gen-01M95CJ4H64W2STZ38QC3VV83H');
  });
});

import { accountId } from '@gw/common';
import type { KeyInfoRecord } from '@gw/db';
import type { WalletStore } from '@gw/wallet';
import { PostgresKeyBooks, WalletKeyBooks } from './key-books';

const ACCOUNT = '7d4b2a9c-1e3f-4c5a-8b6d-2e9f0a1b3c4d';
const KEY = '0b6f5c1e-3f0a-4d9e-9a51-4f1f8c1f2b10';
const STORED = {
  balanceMicros: 9_000_000n,
  reservedMicros: 0n,
  spentTodayMicros: 777n,
} as KeyInfoRecord;

function wallet(balance: { balanceMicros: bigint; heldMicros: bigint; spendableMicros: bigint } | null, spent: bigint) {
  return {
    balances: jest.fn(async () => [balance]),
    keySpentToday: jest.fn(async () => spent),
  } as unknown as WalletStore & { balances: jest.Mock; keySpentToday: jest.Mock };
}

describe('KeyBooks', () => {
  it('PostgreSQL: the stored figures are current', async () => {
    expect(await new PostgresKeyBooks().read(ACCOUNT, KEY, STORED)).toEqual({
      balanceMicros: 9_000_000n,
      reservedMicros: 0n,
      spentTodayMicros: 777n,
    });
  });

  it("wallet: the spendable balance and holds of the wallet, the key's day from Redis", async () => {
    const store = wallet({ balanceMicros: 5_000_000n, heldMicros: 300_000n, spendableMicros: 4_700_000n }, 4_321n);
    expect(await new WalletKeyBooks(store).read(ACCOUNT, KEY, STORED)).toEqual({
      balanceMicros: 4_700_000n,
      reservedMicros: 300_000n,
      spentTodayMicros: 4_321n,
    });
    expect(store.balances).toHaveBeenCalledWith([accountId(ACCOUNT)]);
    expect(store.keySpentToday).toHaveBeenCalledWith(accountId(ACCOUNT), KEY);
  });

  it('wallet: an account it has not loaded has no holds there, PostgreSQL has its balance', async () => {
    expect(await new WalletKeyBooks(wallet(null, 0n)).read(ACCOUNT, KEY, STORED)).toEqual({
      balanceMicros: 9_000_000n,
      reservedMicros: 0n,
      spentTodayMicros: 0n,
    });
  });
});

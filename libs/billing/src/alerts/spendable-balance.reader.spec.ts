import { Logger } from '@nestjs/common';
import { accountId } from '@gw/common';
import type { AccountsRepository } from '@gw/db';
import type { WalletBalance, WalletInspector } from '@gw/wallet';
import { PostgresSpendableBalanceReader, WalletSpendableBalanceReader } from './spendable-balance.reader';

const LOADED = '7d4b2a9c-1e3f-4c5a-8b6d-2e9f0a1b3c4d';
const UNLOADED = '0b6f5c1e-3f0a-4d9e-9a51-4f1f8c1f2b10';
const UNKNOWN = '5d7e9f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a';

/** PostgreSQL's accounts.balance_micros: the loaded account's is behind its wallet (a charge not flushed yet). */
function postgres(balances: Record<string, bigint> = { [LOADED]: 9_000_000n, [UNLOADED]: 2_500_000n }) {
  return {
    findSpendableBalances: jest.fn(
      async (ids: readonly string[]) => new Map(ids.filter((id) => id in balances).map((id) => [id, balances[id]])),
    ),
  } as unknown as AccountsRepository & { findSpendableBalances: jest.Mock };
}

/** The wallet's view: LOADED has USD 8 settled and USD 4 held by an open hold; the others are not loaded. */
function wallet(answer: () => Promise<(WalletBalance | null)[]>) {
  return { balances: jest.fn(answer) } as unknown as WalletInspector & { balances: jest.Mock };
}
const loadedOnly = async (ids: string[]) =>
  ids.map((id) =>
    id === LOADED ? { balanceMicros: 8_000_000n, heldMicros: 4_000_000n, spendableMicros: 4_000_000n, creditSeq: 3n } : null,
  );

describe(WalletSpendableBalanceReader.name, () => {
  it("reads a loaded account's spendable balance from the wallet (net of its open holds), the others' from PostgreSQL", async () => {
    const inspector = wallet(() => loadedOnly([LOADED, UNLOADED, UNKNOWN]));
    const accounts = postgres();
    const sut = new WalletSpendableBalanceReader(inspector, accounts);

    const balances = await sut.read([LOADED, UNLOADED, UNKNOWN]);

    // The wallet's figure says which credits it includes (one committed after them may still be on its way there).
    expect(balances).toEqual(
      new Map([
        [LOADED, { spendableMicros: 4_000_000n, creditSeq: 3n }],
        [UNLOADED, { spendableMicros: 2_500_000n, creditSeq: null }],
      ]),
    );
    expect(inspector.balances).toHaveBeenCalledWith([accountId(LOADED), accountId(UNLOADED), accountId(UNKNOWN)]);
    // Only the accounts the wallet has not loaded are read from PostgreSQL; an unknown one is left out.
    expect(accounts.findSpendableBalances).toHaveBeenCalledWith([UNLOADED, UNKNOWN]);
  });

  it('does not ask PostgreSQL when every account is loaded', async () => {
    const accounts = postgres();
    const sut = new WalletSpendableBalanceReader(wallet(() => loadedOnly([LOADED])), accounts);

    expect(await sut.read([LOADED])).toEqual(new Map([[LOADED, { spendableMicros: 4_000_000n, creditSeq: 3n }]]));
    expect(accounts.findSpendableBalances).not.toHaveBeenCalled();
  });

  it('leaves every account out of this check when the wallet does not answer, rather than judge on PostgreSQL alone', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const accounts = postgres();
    const sut = new WalletSpendableBalanceReader(wallet(() => Promise.reject(new Error('wallet balances: timed out'))), accounts);

    expect(await sut.read([LOADED, UNLOADED])).toEqual(new Map());
    expect(accounts.findSpendableBalances).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('the wallet did not answer (wallet balances: timed out)'));
    warn.mockRestore();
  });
});

describe(PostgresSpendableBalanceReader.name, () => {
  it("reads PostgreSQL's balances, already net of its reservations", async () => {
    const accounts = postgres();
    expect(await new PostgresSpendableBalanceReader(accounts).read([LOADED, UNKNOWN])).toEqual(
      new Map([[LOADED, { spendableMicros: 9_000_000n, creditSeq: null }]]),
    );
  });
});

import type { AccountBooksRow, LedgerCheckRow, UsageLedgerRow } from '@gw/db';
import { accountDrift, chainBreak, lacksUsageRecord, overrun, usageVerdict, walletDrift } from './reconciliation-findings';

const at = new Date('2026-11-25T10:00:00.000Z');

const books = (overrides: Partial<AccountBooksRow> = {}): AccountBooksRow => ({
  accountId: 'acc-1',
  storedBalanceMicros: 9_000_000n,
  storedReservedMicros: 1_000_000n,
  ledgerSumMicros: 9_000_000n,
  runningBalanceMicros: 9_000_000n,
  openHoldsMicros: 1_000_000n,
  ...overrides,
});

const usage = (overrides: Partial<UsageLedgerRow> = {}): UsageLedgerRow => ({
  generationId: 'gen-1',
  accountId: 'acc-1',
  createdAt: at,
  outcome: 'completed',
  costMicros: 21_000n,
  reservedMicros: 50_000n,
  overrunMicros: 0n,
  ledgerEntries: 3,
  settledMicros: 21_000n,
  heldMicros: 50_000n,
  releasedMicros: 50_000n,
  reservationStatus: 'settled',
  ...overrides,
});

const entry = (overrides: Partial<LedgerCheckRow> = {}): LedgerCheckRow => ({
  id: 7n,
  accountId: 'acc-1',
  kind: 'settlement',
  amountMicros: -21_000n,
  balanceAfterMicros: 979_000n,
  previousBalanceMicros: 1_000_000n,
  generationId: 'gen-1',
  hasUsageRecord: true,
  reservationStatus: 'settled',
  createdAt: at,
  ...overrides,
});

describe(accountDrift.name, () => {
  it('finds nothing when the stored columns equal their sources (an account without entries included)', () => {
    expect(accountDrift(books())).toBeNull();
    expect(
      accountDrift(books({ storedBalanceMicros: 0n, ledgerSumMicros: 0n, runningBalanceMicros: null, storedReservedMicros: 0n, openHoldsMicros: 0n })),
    ).toBeNull();
  });

  it('reports a stored balance edited past the ledger, with ledger sum, stored balance and difference in USD', () => {
    expect(accountDrift(books({ storedBalanceMicros: 14_000_000n }))).toEqual({
      accountId: 'acc-1',
      storedBalanceUsd: '14.000000',
      ledgerSumUsd: '9.000000',
      differenceUsd: '5.000000',
      runningBalanceUsd: '9.000000',
      storedReservedUsd: '1.000000',
      openHoldsUsd: '1.000000',
      problems: ['balance_differs_from_ledger_sum'],
    });
  });

  it('reports a ledger whose running balance no longer matches its sum, and reserved against open holds', () => {
    expect(accountDrift(books({ ledgerSumMicros: 8_999_999n }))?.problems).toEqual([
      'balance_differs_from_ledger_sum',
      'running_balance_differs_from_ledger_sum',
    ]);
    expect(accountDrift(books({ storedReservedMicros: 0n }))).toMatchObject({
      problems: ['reserved_differs_from_open_holds'],
      storedReservedUsd: '0.000000',
      openHoldsUsd: '1.000000',
    });
  });

  it('signs the difference: a stored balance below the ledger is negative', () => {
    expect(accountDrift(books({ storedBalanceMicros: 8_500_000n }))?.differenceUsd).toBe('-0.500000');
  });
});

describe(chainBreak.name, () => {
  it('accepts an entry that continues the previous running balance, and a first entry from zero', () => {
    expect(chainBreak(entry())).toBeNull();
    expect(chainBreak(entry({ previousBalanceMicros: null, amountMicros: 5n, balanceAfterMicros: 5n }))).toBeNull();
  });

  it('reports an entry that does not', () => {
    expect(chainBreak(entry({ balanceAfterMicros: 980_000n }))).toEqual({
      accountId: 'acc-1',
      entryId: '7',
      kind: 'settlement',
      previousBalanceUsd: '1.000000',
      amountUsd: '-0.021000',
      balanceAfterUsd: '0.980000',
      createdAt: at.toISOString(),
    });
  });
});

describe(lacksUsageRecord.name, () => {
  it('flags entries of a finished request without a usage record, not of one in flight or with a record', () => {
    expect(lacksUsageRecord(entry({ hasUsageRecord: false }))).toBe(true);
    expect(lacksUsageRecord(entry({ hasUsageRecord: false, reservationStatus: null }))).toBe(true);
    expect(lacksUsageRecord(entry({ hasUsageRecord: false, reservationStatus: 'open' }))).toBe(false);
    expect(lacksUsageRecord(entry())).toBe(false);
    expect(lacksUsageRecord(entry({ kind: 'top_up', generationId: null, hasUsageRecord: false }))).toBe(false);
  });
});

describe(usageVerdict.name, () => {
  it('accepts a settled request, a released one, an abandoned one and one that never held money', () => {
    expect(usageVerdict(usage())).toEqual({ kind: 'ok' });
    // Cut by our shutdown, charged on what it delivered; abandoned by a dead proxy, charged what its heartbeat recorded.
    expect(usageVerdict(usage({ outcome: 'gateway_shutdown', costMicros: 700n, settledMicros: 700n }))).toEqual({ kind: 'ok' });
    expect(usageVerdict(usage({ outcome: 'abandoned', costMicros: 900n, settledMicros: 900n }))).toEqual({ kind: 'ok' });
    expect(usageVerdict(usage({ outcome: 'gateway_shutdown', costMicros: 700n, settledMicros: 0n }))).toMatchObject({ kind: 'mismatch' });
    expect(usageVerdict(usage({ costMicros: 0n, settledMicros: 0n, ledgerEntries: 2, reservationStatus: 'released' }))).toEqual({ kind: 'ok' });
    expect(usageVerdict(usage({ outcome: 'abandoned', costMicros: 0n, settledMicros: 0n, ledgerEntries: 2 }))).toEqual({ kind: 'ok' });
    expect(usageVerdict(usage({ outcome: 'rejected', costMicros: 0n, reservedMicros: 0n, ledgerEntries: 0, settledMicros: 0n, heldMicros: 0n, releasedMicros: 0n, reservationStatus: null }))).toEqual({ kind: 'ok' });
  });

  it('reports a billed request without any ledger entry', () => {
    const verdict = usageVerdict(usage({ ledgerEntries: 0, settledMicros: 0n, heldMicros: 0n, releasedMicros: 0n, reservationStatus: null }));
    expect(verdict).toEqual({
      kind: 'without_ledger',
      item: { generationId: 'gen-1', accountId: 'acc-1', outcome: 'completed', costUsd: '0.021000', reservedUsd: '0.050000', createdAt: at.toISOString() },
    });
  });

  it('reports a cost that differs from the settlements, a reserved amount that differs from the hold, and a hold not released', () => {
    const verdict = usageVerdict(usage({ costMicros: 20_000n, reservedMicros: 40_000n, releasedMicros: 0n }));
    expect(verdict.kind).toBe('mismatch');
    expect(verdict.kind === 'mismatch' && verdict.item).toMatchObject({
      problems: ['cost_differs_from_settlements', 'reserved_differs_from_reservation', 'hold_not_fully_released'],
      costUsd: '0.020000',
      settledUsd: '0.021000',
      heldUsd: '0.050000',
      releasedUsd: '0.000000',
    });
  });

  it('accepts a request held in the Redis wallet: no reservation row or entry, released free or charged its cost', () => {
    const wallet = { reservationStatus: null, heldMicros: 0n, releasedMicros: 0n };
    expect(usageVerdict(usage({ ...wallet, costMicros: 0n, settledMicros: 0n, ledgerEntries: 0 }))).toEqual({ kind: 'ok' });
    expect(usageVerdict(usage({ ...wallet, ledgerEntries: 1 }))).toEqual({ kind: 'ok' });
    expect(usageVerdict(usage({ ...wallet, ledgerEntries: 2, costMicros: 30_000n, settledMicros: 30_000n }))).toEqual({ kind: 'ok' });
    expect(usageVerdict(usage({ ...wallet, ledgerEntries: 1, costMicros: 30_000n }))).toMatchObject({
      kind: 'mismatch',
      item: { problems: ['cost_differs_from_settlements'] },
    });
  });

  it('does not expect the release of a hold that is still open', () => {
    expect(usageVerdict(usage({ releasedMicros: 0n, reservationStatus: 'open' }))).toEqual({ kind: 'ok' });
  });
});

describe(overrun.name, () => {
  it('flags a cost above the hold, in USD', () => {
    expect(overrun(usage())).toBeNull();
    expect(overrun(usage({ costMicros: 60_000n, settledMicros: 60_000n, overrunMicros: 10_000n }))).toEqual({
      generationId: 'gen-1',
      accountId: 'acc-1',
      reservedUsd: '0.050000',
      costUsd: '0.060000',
      overrunUsd: '0.010000',
      createdAt: at.toISOString(),
    });
  });
});

describe(walletDrift.name, () => {
  const row = {
    accountId: 'acc-w',
    walletBalanceMicros: 800n,
    walletHeldMicros: 10n,
    holdsMicros: 10n,
    storedBalanceMicros: 1_000n,
    unflushedMicros: 300n,
    pendingCreditMicros: -100n,
    behindLedger: false,
  };

  it('expects the wallet to hold the stored balance minus unflushed settlements minus pending credits', () => {
    expect(walletDrift(row)).toBeNull();
    expect(walletDrift({ ...row, walletBalanceMicros: 799n })?.differenceUsd).toBe('-0.000001');
  });

  it('reports a wallet behind the ledger (it lost events) without comparing its balance', () => {
    expect(walletDrift({ ...row, walletBalanceMicros: 1n, behindLedger: true })?.problems).toEqual(['wallet_behind_ledger']);
  });
});

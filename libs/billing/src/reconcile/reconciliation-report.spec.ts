import type { AccountBooksRow, LedgerCheckRow, UsageLedgerRow } from '@gw/db';
import type { WalletComparison } from './reconciliation-findings';
import { ReportBuilder } from './reconciliation-report';

const at = new Date('2026-11-25T10:00:00.000Z');
const range = { from: new Date('2026-11-25T08:55:00.000Z'), to: new Date('2026-11-25T10:00:00.000Z') };

const consistentAccount = (id: string): AccountBooksRow => ({
  accountId: id,
  storedBalanceMicros: 5n,
  storedReservedMicros: 0n,
  ledgerSumMicros: 5n,
  runningBalanceMicros: 5n,
  openHoldsMicros: 0n,
});

const settled = (generationId: string, overrides: Partial<UsageLedgerRow> = {}): UsageLedgerRow => ({
  generationId,
  accountId: 'acc-1',
  createdAt: at,
  outcome: 'completed',
  costMicros: 10n,
  reservedMicros: 20n,
  overrunMicros: 0n,
  ledgerEntries: 3,
  settledMicros: 10n,
  heldMicros: 20n,
  releasedMicros: 20n,
  reservationStatus: 'settled',
  ...overrides,
});

const orphanEntry = (generationId: string, kind: string, amount: bigint): LedgerCheckRow => ({
  id: 1n,
  accountId: 'acc-1',
  kind,
  amountMicros: amount,
  balanceAfterMicros: amount,
  previousBalanceMicros: 0n,
  generationId,
  hasUsageRecord: false,
  reservationStatus: 'released',
  createdAt: at,
});

describe(ReportBuilder.name, () => {
  it('reports a clean range: counts, the range, zero totals', () => {
    const sut = new ReportBuilder(range);
    sut.addAccount(consistentAccount('a'));
    sut.addAccount(consistentAccount('b'));
    sut.addUsage(settled('gen-1'));
    sut.setSwept({ count: 2, micros: 1_500_000n });
    const report = sut.build(at);
    expect(report).toMatchObject({
      range: { from: '2026-11-25T08:55:00.000Z', to: '2026-11-25T10:00:00.000Z' },
      generatedAt: at.toISOString(),
      recordsChecked: 1,
      ledgerEntriesChecked: 0,
      accountsChecked: 2,
      staleReservations: { count: 2, usd: '1.500000' },
      drift: [],
      usageWithoutLedger: [],
      ledgerWithoutUsage: [],
      truncated: false,
      clean: true,
    });
    expect(report.wallet).toBeNull();
    expect(report.totals).toEqual({
      drift: 0,
      walletDrift: 0,
      runningBalanceBreaks: 0,
      usageWithoutLedger: { count: 0, usd: '0.000000' },
      ledgerWithoutUsage: { count: 0, usd: '0.000000' },
      usageLedgerMismatches: 0,
      reservationsOpenTooLong: { count: 0, usd: '0.000000' },
      overruns: { count: 0, usd: '0.000000' },
    });
  });

  it('is not clean with a finding, but overruns alone (charged by design) keep it clean', () => {
    const overrunOnly = new ReportBuilder(range);
    overrunOnly.addUsage(settled('gen-1', { costMicros: 30n, settledMicros: 30n, overrunMicros: 10n }));
    expect(overrunOnly.build(at)).toMatchObject({ clean: true, totals: { overruns: { count: 1, usd: '0.000010' } } });

    const drifted = new ReportBuilder(range);
    drifted.addAccount({ ...consistentAccount('a'), storedBalanceMicros: 6n });
    expect(drifted.build(at)).toMatchObject({ clean: false, totals: { drift: 1 }, drift: [{ accountId: 'a' }] });

    const stale = new ReportBuilder(range);
    stale.setOpenTooLong({
      total: { count: 1, micros: 40_000n },
      items: [{ generationId: 'gen-9', accountId: 'a', amountMicros: 40_000n, instanceId: 'proxy:1', createdAt: at }],
    });
    expect(stale.build(at)).toMatchObject({
      clean: false,
      totals: { reservationsOpenTooLong: { count: 1, usd: '0.040000' } },
      reservationsOpenTooLong: [{ generationId: 'gen-9', amountUsd: '0.040000', instanceId: 'proxy:1' }],
    });
  });

  it('merges the entries of one generation without a usage record into one item, with its net amount', () => {
    const sut = new ReportBuilder(range);
    sut.addLedgerEntry(orphanEntry('gen-1', 'reservation', -50n));
    sut.addLedgerEntry({ ...orphanEntry('gen-1', 'release', 50n), previousBalanceMicros: -50n, balanceAfterMicros: 0n });
    sut.addLedgerEntry({ ...orphanEntry('gen-1', 'settlement', -7n), previousBalanceMicros: 0n, balanceAfterMicros: -7n });
    const report = sut.build(at);
    expect(report.ledgerWithoutUsage).toEqual([
      { generationId: 'gen-1', accountId: 'acc-1', kinds: ['reservation', 'release', 'settlement'], netUsd: '-0.000007', firstEntryAt: at.toISOString() },
    ]);
    expect(report.totals.ledgerWithoutUsage).toEqual({ count: 1, usd: '-0.000007' });
    expect(report.ledgerEntriesChecked).toBe(3);
    expect(report.runningBalanceBreaks).toEqual([]);
  });

  it('lists at most the limit per finding, counts them all and says it truncated', () => {
    const sut = new ReportBuilder(range, 2);
    for (let i = 0; i < 5; i++) sut.addUsage(settled(`gen-${i}`, { ledgerEntries: 0, settledMicros: 0n, heldMicros: 0n, releasedMicros: 0n }));
    for (let i = 0; i < 3; i++) sut.addLedgerEntry(orphanEntry(`gen-o${i}`, 'reservation', -1n));
    const report = sut.build(at);
    expect(report.usageWithoutLedger.map((item) => item.generationId)).toEqual(['gen-0', 'gen-1']);
    expect(report.totals.usageWithoutLedger).toEqual({ count: 5, usd: '0.000050' });
    expect(report.ledgerWithoutUsage).toHaveLength(2);
    expect(report.totals.ledgerWithoutUsage.count).toBe(3);
    expect(report).toMatchObject({ listLimit: 2, truncated: true, clean: false });
  });

  describe('the wallet section', () => {
    const loaded = (overrides: Partial<WalletComparison> = {}): WalletComparison => ({
      accountId: 'acc-w',
      walletBalanceMicros: 900n,
      walletHeldMicros: 40n,
      holdsMicros: 40n,
      storedBalanceMicros: 1_000n,
      unflushedMicros: 150n,
      pendingCreditMicros: -50n,
      behindLedger: false,
      ...overrides,
    });

    it('sums what the loaded accounts hold and owe, and stays clean when each agrees with the books', () => {
      const sut = new ReportBuilder(range);
      sut.addWalletAccount(loaded(), { holds: 2, unflushed: 3, pendingCredits: 1 });
      sut.addWalletAccount(loaded({ accountId: 'acc-x' }), { holds: 1, unflushed: 0, pendingCredits: 0 });
      sut.setWalletExpiredHolds(0, 0n);
      const report = sut.build(at);
      expect(report.wallet).toEqual({
        checked: true,
        accountsLoaded: 2,
        openHolds: { count: 3, usd: '0.000080' },
        unflushed: { count: 3, usd: '0.000300' },
        pendingCredits: { count: 1, usd: '-0.000100' },
        expiredHolds: { count: 0, usd: '0.000000' },
        skippedBusy: 0,
      });
      expect(report).toMatchObject({ walletDrift: [], clean: true });
    });

    it('reports an account whose wallet differs from the books or from its holds, and is then not clean', () => {
      const sut = new ReportBuilder(range);
      sut.addWalletAccount(loaded({ walletBalanceMicros: 905n, walletHeldMicros: 0n }), { holds: 2, unflushed: 0, pendingCredits: 0 });
      const report = sut.build(at);
      expect(report.walletDrift).toEqual([
        {
          accountId: 'acc-w',
          walletBalanceUsd: '0.000905',
          expectedBalanceUsd: '0.000900',
          differenceUsd: '0.000005',
          storedBalanceUsd: '0.001000',
          unflushedUsd: '0.000150',
          pendingCreditsUsd: '-0.000050',
          walletHeldUsd: '0.000000',
          openHoldsUsd: '0.000040',
          problems: ['wallet_balance_differs_from_books', 'wallet_held_differs_from_holds'],
        },
      ]);
      expect(report).toMatchObject({ clean: false, totals: { walletDrift: 1 } });
    });

    it('is not clean when the wallet could not be read, or when expired holds wait for a sweep', () => {
      const unreadable = new ReportBuilder(range);
      unreadable.walletFailed('connect ECONNREFUSED');
      expect(unreadable.build(at)).toMatchObject({ wallet: { checked: false, error: 'connect ECONNREFUSED' }, clean: false });
      const behind = new ReportBuilder(range);
      behind.setWalletExpiredHolds(2, 3_000n);
      expect(behind.build(at)).toMatchObject({ wallet: { expiredHolds: { count: 2, usd: '0.003000' } }, clean: false });
    });
  });
});

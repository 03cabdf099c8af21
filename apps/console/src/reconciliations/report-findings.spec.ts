import type { ReconciliationReport } from '../api/types';
import { findingSections, needsAttention } from './report-findings';

const report: ReconciliationReport = {
  range: { from: null, to: '2026-12-06T00:00:00.000Z' },
  generatedAt: '2026-12-06T00:00:01.000Z',
  recordsChecked: 10,
  ledgerEntriesChecked: 20,
  accountsChecked: 3,
  staleReservations: { count: 0, usd: '0.000000' },
  drift: [{ accountId: 'a1', storedBalanceUsd: '5.000000', ledgerSumUsd: '4.000000', differenceUsd: '1.000000', problems: ['balance_differs_from_ledger_sum'] }],
  runningBalanceBreaks: [],
  usageWithoutLedger: [],
  ledgerWithoutUsage: [],
  usageLedgerMismatches: [],
  reservationsOpenTooLong: [],
  overruns: [{ generationId: 'gen-1', accountId: 'a1', reservedUsd: '0.1', costUsd: '0.2', overrunUsd: '0.1' }],
  totals: {
    drift: 1,
    runningBalanceBreaks: 0,
    usageWithoutLedger: { count: 0, usd: '0.000000' },
    ledgerWithoutUsage: { count: 0, usd: '0.000000' },
    usageLedgerMismatches: 0,
    reservationsOpenTooLong: { count: 0, usd: '0.000000' },
    overruns: { count: 1, usd: '0.100000' },
  },
  listLimit: 1000,
  truncated: false,
  clean: false,
};

describe(findingSections.name, () => {
  it('lists every finding of the report with its total, and highlights those to act on', () => {
    const sections = findingSections(report);
    expect(sections.map((section) => [section.key, section.count, section.usd])).toEqual([
      ['drift', 1, null],
      ['runningBalanceBreaks', 0, null],
      ['usageWithoutLedger', 0, '0.000000'],
      ['ledgerWithoutUsage', 0, '0.000000'],
      ['usageLedgerMismatches', 0, null],
      ['reservationsOpenTooLong', 0, '0.000000'],
      ['overruns', 1, '0.100000'],
    ]);
    expect(sections.filter(needsAttention).map((section) => section.key)).toEqual(['drift']);
    expect(sections[0].items).toBe(report.drift);
  });
});

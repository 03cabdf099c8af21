import type { ReconciliationReport } from '../api/types';

export interface FindingColumn {
  key: string;
  label: string;
  kind?: 'usd' | 'time' | 'list' | 'account';
}

/** One finding of a report (docs/worker.md, "The reconciliation report"), as the console lays it out. */
export interface FindingSection {
  key: 'drift' | 'runningBalanceBreaks' | 'usageWithoutLedger' | 'ledgerWithoutUsage' | 'usageLedgerMismatches' | 'reservationsOpenTooLong' | 'overruns';
  title: string;
  /** What finance does about it. */
  advice: string;
  count: number;
  usd: string | null;
  items: Record<string, unknown>[];
  columns: FindingColumn[];
  /** Needs someone to act (overruns are charged by design and only informative). */
  actionable: boolean;
}

const account: FindingColumn = { key: 'accountId', label: 'Account', kind: 'account' };
const generation: FindingColumn = { key: 'generationId', label: 'Generation' };

type Definition = Omit<FindingSection, 'count' | 'usd' | 'items'>;

const DEFINITIONS: Definition[] = [
  {
    key: 'drift',
    title: 'Drift: stored balance vs ledger',
    advice:
      "The account's stored balance differs from its ledger: its requests fail until it is fixed. Find out who changed " +
      'what, then post an adjustment.',
    actionable: true,
    columns: [
      account,
      { key: 'storedBalanceUsd', label: 'Stored balance', kind: 'usd' },
      { key: 'ledgerSumUsd', label: 'Ledger sum', kind: 'usd' },
      { key: 'differenceUsd', label: 'Difference', kind: 'usd' },
      { key: 'storedReservedUsd', label: 'Stored reserved', kind: 'usd' },
      { key: 'openHoldsUsd', label: 'Open holds', kind: 'usd' },
      { key: 'problems', label: 'Problems', kind: 'list' },
    ],
  },
  {
    key: 'runningBalanceBreaks',
    title: 'Running balance breaks',
    advice: 'A ledger entry does not continue the one before it. Escalate to engineering with the entry id.',
    actionable: true,
    columns: [
      account,
      { key: 'entryId', label: 'Entry' },
      { key: 'kind', label: 'Kind' },
      { key: 'previousBalanceUsd', label: 'Previous balance', kind: 'usd' },
      { key: 'amountUsd', label: 'Amount', kind: 'usd' },
      { key: 'balanceAfterUsd', label: 'Balance after', kind: 'usd' },
      { key: 'createdAt', label: 'When', kind: 'time' },
    ],
  },
  {
    key: 'usageWithoutLedger',
    title: 'Usage without a ledger entry',
    advice: 'The customer was not charged what the record says. Escalate; charge with an adjustment if it happened.',
    actionable: true,
    columns: [
      generation,
      account,
      { key: 'outcome', label: 'Outcome' },
      { key: 'costUsd', label: 'Cost', kind: 'usd' },
      { key: 'reservedUsd', label: 'Reserved', kind: 'usd' },
      { key: 'createdAt', label: 'When', kind: 'time' },
    ],
  },
  {
    key: 'ledgerWithoutUsage',
    title: 'Ledger entries without usage',
    advice: 'Money moved but the usage report misses the request. Escalate; the money in the ledger is right.',
    actionable: true,
    columns: [
      generation,
      account,
      { key: 'kinds', label: 'Entries', kind: 'list' },
      { key: 'netUsd', label: 'Net', kind: 'usd' },
      { key: 'firstEntryAt', label: 'First entry', kind: 'time' },
    ],
  },
  {
    key: 'usageLedgerMismatches',
    title: 'Usage and ledger disagree',
    advice: 'The ledger is the truth: invoice the settled amount, and escalate.',
    actionable: true,
    columns: [
      generation,
      account,
      { key: 'problems', label: 'Problems', kind: 'list' },
      { key: 'costUsd', label: 'Cost', kind: 'usd' },
      { key: 'settledUsd', label: 'Settled', kind: 'usd' },
      { key: 'reservedUsd', label: 'Reserved', kind: 'usd' },
      { key: 'heldUsd', label: 'Held', kind: 'usd' },
    ],
  },
  {
    key: 'reservationsOpenTooLong',
    title: 'Reservations open too long',
    advice: 'The stale sweep is not running or not keeping up: tell engineering (is a worker running?).',
    actionable: true,
    columns: [
      generation,
      account,
      { key: 'amountUsd', label: 'Amount', kind: 'usd' },
      { key: 'instanceId', label: 'Proxy instance' },
      { key: 'openedAt', label: 'Opened', kind: 'time' },
    ],
  },
  {
    key: 'overruns',
    title: 'Overruns',
    advice: 'Requests that cost more than their hold, charged anyway by design. Nothing to fix; watch the total.',
    actionable: false,
    columns: [
      generation,
      account,
      { key: 'reservedUsd', label: 'Reserved', kind: 'usd' },
      { key: 'costUsd', label: 'Cost', kind: 'usd' },
      { key: 'overrunUsd', label: 'Overrun', kind: 'usd' },
      { key: 'createdAt', label: 'When', kind: 'time' },
    ],
  },
];

/** The report's findings in the order finance reads them, each with its total (which counts past the list limit). */
export function findingSections(report: ReconciliationReport): FindingSection[] {
  return DEFINITIONS.map((definition) => {
    const total = report.totals[definition.key];
    const counted = typeof total === 'number' ? { count: total, usd: null } : { count: total.count, usd: total.usd };
    return { ...definition, ...counted, items: report[definition.key] ?? [] };
  });
}

/** True when a section needs attention: highlighted on the page. */
export function needsAttention(section: FindingSection): boolean {
  return section.actionable && section.count > 0;
}

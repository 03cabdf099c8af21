import { formatMicrosAsUsd } from '@gw/common';
import type { AccountBooksRow, LedgerCheckRow, OpenReservationRow, UsageLedgerRow } from '@gw/db';

// Pure decisions of a reconciliation run: given what the database holds, what is wrong. No I/O here.

export type DriftProblem =
  /** accounts.balance_micros differs from SUM(ledger): the spec's "drift". */
  | 'balance_differs_from_ledger_sum'
  /** The latest entry's running balance differs from SUM(ledger): an entry broke the chain. */
  | 'running_balance_differs_from_ledger_sum'
  /** accounts.reserved_micros differs from the account's open reservations. */
  | 'reserved_differs_from_open_holds';

export interface DriftItem {
  accountId: string;
  storedBalanceUsd: string;
  ledgerSumUsd: string;
  /** Stored balance minus ledger sum. */
  differenceUsd: string;
  runningBalanceUsd: string;
  storedReservedUsd: string;
  openHoldsUsd: string;
  problems: DriftProblem[];
}

/** An account's stored columns against their sources; null when they agree. */
export function accountDrift(row: AccountBooksRow): DriftItem | null {
  const running = row.runningBalanceMicros ?? 0n;
  const problems: DriftProblem[] = [];
  if (row.storedBalanceMicros !== row.ledgerSumMicros) problems.push('balance_differs_from_ledger_sum');
  if (running !== row.ledgerSumMicros) problems.push('running_balance_differs_from_ledger_sum');
  if (row.storedReservedMicros !== row.openHoldsMicros) problems.push('reserved_differs_from_open_holds');
  if (problems.length === 0) return null;
  return {
    accountId: row.accountId,
    storedBalanceUsd: formatMicrosAsUsd(row.storedBalanceMicros),
    ledgerSumUsd: formatMicrosAsUsd(row.ledgerSumMicros),
    differenceUsd: formatMicrosAsUsd(row.storedBalanceMicros - row.ledgerSumMicros),
    runningBalanceUsd: formatMicrosAsUsd(running),
    storedReservedUsd: formatMicrosAsUsd(row.storedReservedMicros),
    openHoldsUsd: formatMicrosAsUsd(row.openHoldsMicros),
    problems,
  };
}

export interface ChainBreakItem {
  accountId: string;
  entryId: string;
  kind: string;
  previousBalanceUsd: string;
  amountUsd: string;
  balanceAfterUsd: string;
  createdAt: string;
}

/** An entry whose running balance does not continue the entry before it; null when it does. */
export function chainBreak(row: LedgerCheckRow): ChainBreakItem | null {
  const previous = row.previousBalanceMicros ?? 0n;
  if (previous + row.amountMicros === row.balanceAfterMicros) return null;
  return {
    accountId: row.accountId,
    entryId: row.id.toString(),
    kind: row.kind,
    previousBalanceUsd: formatMicrosAsUsd(previous),
    amountUsd: formatMicrosAsUsd(row.amountMicros),
    balanceAfterUsd: formatMicrosAsUsd(row.balanceAfterMicros),
    createdAt: row.createdAt.toISOString(),
  };
}

/** True when a ledger entry belongs to a request that is over (its hold closed, or none) yet has no usage record. */
export function lacksUsageRecord(row: LedgerCheckRow): boolean {
  return row.generationId !== null && !row.hasUsageRecord && row.reservationStatus !== 'open';
}

export type UsageProblem =
  /** usage.cost_micros differs from what the ledger charged (-SUM of settlements). */
  | 'cost_differs_from_settlements'
  /** usage.reserved_micros differs from the hold in the ledger (-SUM of reservations). */
  | 'reserved_differs_from_reservation'
  /** The hold is closed but reservation + release do not sum to zero. */
  | 'hold_not_fully_released';

export interface UsageMismatchItem {
  generationId: string;
  accountId: string;
  outcome: string;
  problems: UsageProblem[];
  costUsd: string;
  settledUsd: string;
  reservedUsd: string;
  heldUsd: string;
  releasedUsd: string;
  reservationStatus: string | null;
  createdAt: string;
}

export interface UsageWithoutLedgerItem {
  generationId: string;
  accountId: string;
  outcome: string;
  costUsd: string;
  reservedUsd: string;
  createdAt: string;
}

export interface OverrunItem {
  generationId: string;
  accountId: string;
  reservedUsd: string;
  costUsd: string;
  overrunUsd: string;
  createdAt: string;
}

export type UsageVerdict =
  | { kind: 'ok' }
  /** A billed request (it held or cost money) with no ledger entry at all. */
  | { kind: 'without_ledger'; item: UsageWithoutLedgerItem }
  | { kind: 'mismatch'; item: UsageMismatchItem };

/**
 * A usage record against its generation's ledger entries. A request that never held money (refused before the
 * upstream call, a free model) has neither, and is fine. A request held in the Redis wallet has no reservation row and
 * no reservation entry (its hold never reached the ledger): only its cost is compared, and a released one (cost 0) has
 * no entry at all.
 */
export function usageVerdict(row: UsageLedgerRow): UsageVerdict {
  const heldInWallet = row.reservationStatus === null;
  if (row.ledgerEntries === 0) {
    if (row.costMicros === 0n && (row.reservedMicros === 0n || heldInWallet)) return { kind: 'ok' };
    return {
      kind: 'without_ledger',
      item: {
        generationId: row.generationId,
        accountId: row.accountId,
        outcome: row.outcome,
        costUsd: formatMicrosAsUsd(row.costMicros),
        reservedUsd: formatMicrosAsUsd(row.reservedMicros),
        createdAt: row.createdAt.toISOString(),
      },
    };
  }
  const problems: UsageProblem[] = [];
  if (row.costMicros !== row.settledMicros) problems.push('cost_differs_from_settlements');
  if (!heldInWallet && row.reservedMicros !== row.heldMicros) problems.push('reserved_differs_from_reservation');
  if (!heldInWallet && row.reservationStatus !== 'open' && row.heldMicros !== row.releasedMicros) {
    problems.push('hold_not_fully_released');
  }
  if (problems.length === 0) return { kind: 'ok' };
  return {
    kind: 'mismatch',
    item: {
      generationId: row.generationId,
      accountId: row.accountId,
      outcome: row.outcome,
      problems,
      costUsd: formatMicrosAsUsd(row.costMicros),
      settledUsd: formatMicrosAsUsd(row.settledMicros),
      reservedUsd: formatMicrosAsUsd(row.reservedMicros),
      heldUsd: formatMicrosAsUsd(row.heldMicros),
      releasedUsd: formatMicrosAsUsd(row.releasedMicros),
      reservationStatus: row.reservationStatus,
      createdAt: row.createdAt.toISOString(),
    },
  };
}

/** A request charged more than it held (charged anyway, by design): flagged for finance, not an error. */
export function overrun(row: UsageLedgerRow): OverrunItem | null {
  if (row.overrunMicros <= 0n) return null;
  return {
    generationId: row.generationId,
    accountId: row.accountId,
    reservedUsd: formatMicrosAsUsd(row.reservedMicros),
    costUsd: formatMicrosAsUsd(row.costMicros),
    overrunUsd: formatMicrosAsUsd(row.overrunMicros),
    createdAt: row.createdAt.toISOString(),
  };
}

export interface OpenTooLongItem {
  generationId: string;
  accountId: string;
  amountUsd: string;
  instanceId: string;
  openedAt: string;
}

export function openTooLongItem(row: OpenReservationRow): OpenTooLongItem {
  return {
    generationId: row.generationId,
    accountId: row.accountId,
    amountUsd: formatMicrosAsUsd(row.amountMicros),
    instanceId: row.instanceId,
    openedAt: row.createdAt.toISOString(),
  };
}

export type WalletDriftProblem =
  /** The wallet's balance differs from PostgreSQL's minus the settlements not written yet and the credits pending. */
  | 'wallet_balance_differs_from_books'
  /** The wallet's `held` differs from the sum of the account's hold records. */
  | 'wallet_held_differs_from_holds'
  /** PostgreSQL has settlement events the wallet never emitted (it lost data): its balance cannot be compared. */
  | 'wallet_behind_ledger';

export interface WalletDriftItem {
  accountId: string;
  /** What the wallet spends from (settled balance in Redis). */
  walletBalanceUsd: string;
  /** PostgreSQL's stored balance - unflushed settlements - pending credits: what the wallet should hold. */
  expectedBalanceUsd: string;
  /** Wallet minus expected. */
  differenceUsd: string;
  storedBalanceUsd: string;
  unflushedUsd: string;
  pendingCreditsUsd: string;
  walletHeldUsd: string;
  /** Sum of the account's hold records. */
  openHoldsUsd: string;
  problems: WalletDriftProblem[];
}

/** One loaded account: the wallet's state read first, then PostgreSQL's. */
export interface WalletComparison {
  accountId: string;
  walletBalanceMicros: bigint;
  walletHeldMicros: bigint;
  holdsMicros: bigint;
  storedBalanceMicros: bigint;
  /** Charges of the wallet's events PostgreSQL does not have yet (seq above its wallet_seq). */
  unflushedMicros: bigint;
  pendingCreditMicros: bigint;
  /** PostgreSQL has events the wallet has not emitted (its event seq is behind wallet_seq). */
  behindLedger: boolean;
}

/** The wallet's balance and holds against PostgreSQL and the hold records; null when they agree. */
export function walletDrift(row: WalletComparison): WalletDriftItem | null {
  const expected = row.storedBalanceMicros - row.unflushedMicros - row.pendingCreditMicros;
  const problems: WalletDriftProblem[] = [];
  if (row.behindLedger) problems.push('wallet_behind_ledger');
  else if (row.walletBalanceMicros !== expected) problems.push('wallet_balance_differs_from_books');
  if (row.walletHeldMicros !== row.holdsMicros) problems.push('wallet_held_differs_from_holds');
  if (problems.length === 0) return null;
  return {
    accountId: row.accountId,
    walletBalanceUsd: formatMicrosAsUsd(row.walletBalanceMicros),
    expectedBalanceUsd: formatMicrosAsUsd(expected),
    differenceUsd: formatMicrosAsUsd(row.walletBalanceMicros - expected),
    storedBalanceUsd: formatMicrosAsUsd(row.storedBalanceMicros),
    unflushedUsd: formatMicrosAsUsd(row.unflushedMicros),
    pendingCreditsUsd: formatMicrosAsUsd(row.pendingCreditMicros),
    walletHeldUsd: formatMicrosAsUsd(row.walletHeldMicros),
    openHoldsUsd: formatMicrosAsUsd(row.holdsMicros),
    problems,
  };
}

import { formatMicrosAsUsd } from '@gw/common';
import type { AccountBooksRow, CheckRange, LedgerCheckRow, OpenReservationRow, Total, UsageLedgerRow } from '@gw/db';
import {
  accountDrift,
  chainBreak,
  ChainBreakItem,
  DriftItem,
  lacksUsageRecord,
  openTooLongItem,
  OpenTooLongItem,
  overrun,
  OverrunItem,
  UsageMismatchItem,
  usageVerdict,
  UsageWithoutLedgerItem,
  WalletComparison,
  walletDrift,
  WalletDriftItem,
} from './reconciliation-findings';

/** Items listed per finding; the totals count them all. */
export const REPORT_LIST_LIMIT = 1_000;

export interface LedgerWithoutUsageItem {
  generationId: string;
  accountId: string;
  /** The kinds of its entries, in order. */
  kinds: string[];
  /** What its entries moved, net (negative: the account was charged). */
  netUsd: string;
  firstEntryAt: string;
}

interface CountedUsd {
  count: number;
  usd: string;
}

/** The Redis wallet as a run found it (accounts loaded into it; the others are PostgreSQL's alone). */
export interface WalletSection {
  /** False when the wallet could not be read (Redis unreachable): its findings are unknown and the run is not clean. */
  checked: boolean;
  error?: string;
  accountsLoaded: number;
  /** Hold records of the loaded accounts (requests in flight). */
  openHolds: CountedUsd;
  /** Settlement events not yet written to PostgreSQL (the ledger writer's backlog), by their charges. */
  unflushed: CountedUsd;
  /** Credits committed in PostgreSQL and not yet applied to the wallet. */
  pendingCredits: CountedUsd;
  /** Holds past their expiry for longer than three sweep intervals: the sweep is not running or not keeping up. */
  expiredHolds: CountedUsd;
  /** Accounts whose wallet moved during every one of the run's reads: not compared this time. */
  skippedBusy: number;
}

/**
 * What a run found, as stored in reconciliation_runs.report and answered by GET /admin/v1/reconciliations/:id. Money
 * as decimal strings in USD. docs/worker.md explains each finding and what finance does about it.
 */
export interface ReconciliationReport {
  range: { from: string | null; to: string };
  generatedAt: string;
  /** Usage records created in the range. */
  recordsChecked: number;
  /** Ledger entries created in the range. */
  ledgerEntriesChecked: number;
  /** Every account (balances are checked as they stand, whatever the range). */
  accountsChecked: number;
  /** Holds the stale sweep released in the range. */
  staleReservations: CountedUsd;
  drift: DriftItem[];
  runningBalanceBreaks: ChainBreakItem[];
  usageWithoutLedger: UsageWithoutLedgerItem[];
  ledgerWithoutUsage: LedgerWithoutUsageItem[];
  usageLedgerMismatches: UsageMismatchItem[];
  reservationsOpenTooLong: OpenTooLongItem[];
  overruns: OverrunItem[];
  /** Null when the run had no wallet to check. */
  wallet: WalletSection | null;
  /** Loaded accounts whose wallet disagrees with PostgreSQL or with its own hold records. */
  walletDrift: WalletDriftItem[];
  totals: {
    drift: number;
    walletDrift: number;
    runningBalanceBreaks: number;
    usageWithoutLedger: CountedUsd;
    ledgerWithoutUsage: CountedUsd;
    usageLedgerMismatches: number;
    reservationsOpenTooLong: CountedUsd;
    overruns: CountedUsd;
  };
  /** At most this many items per list; `truncated` says whether a list was cut. */
  listLimit: number;
  truncated: boolean;
  /** Nothing to act on (overruns are charged by design and do not count). */
  clean: boolean;
}

const zeroUsd = (): CountedUsd => ({ count: 0, usd: '0.000000' });

class CappedList<T> {
  readonly items: T[] = [];
  count = 0;

  constructor(private readonly limit: number) {}

  add(item: T): void {
    this.count++;
    if (this.items.length < this.limit) this.items.push(item);
  }

  get truncated(): boolean {
    return this.count > this.items.length;
  }
}

interface GenerationEntries {
  accountId: string;
  kinds: string[];
  net: bigint;
  firstEntryAt: Date;
}

/** Accumulates the rows a run reads, page by page, into its report. Memory stays bounded by the list limit. */
export class ReportBuilder {
  private recordsChecked = 0;
  private ledgerEntriesChecked = 0;
  private accountsChecked = 0;
  private readonly drift: CappedList<DriftItem>;
  private readonly walletDrifts: CappedList<WalletDriftItem>;
  private wallet: WalletSection | null = null;
  private walletMicros = { holds: 0n, unflushed: 0n, pendingCredits: 0n };
  private readonly breaks: CappedList<ChainBreakItem>;
  private readonly withoutLedger: CappedList<UsageWithoutLedgerItem>;
  private withoutLedgerMicros = 0n;
  private readonly mismatches: CappedList<UsageMismatchItem>;
  private readonly overruns: CappedList<OverrunItem>;
  private overrunMicros = 0n;
  /** Generations with entries but no usage record: the first `limit` in detail, then only counted. */
  private readonly withoutUsage = new Map<string, GenerationEntries>();
  private readonly withoutUsageIds = new Set<string>();
  private withoutUsageMicros = 0n;
  private swept: Total = { count: 0, micros: 0n };
  private openTooLong: { total: Total; items: OpenReservationRow[] } = { total: { count: 0, micros: 0n }, items: [] };

  constructor(
    private readonly range: CheckRange,
    private readonly limit = REPORT_LIST_LIMIT,
  ) {
    this.drift = new CappedList(limit);
    this.walletDrifts = new CappedList(limit);
    this.breaks = new CappedList(limit);
    this.withoutLedger = new CappedList(limit);
    this.mismatches = new CappedList(limit);
    this.overruns = new CappedList(limit);
  }

  addAccount(row: AccountBooksRow): void {
    this.accountsChecked++;
    const drift = accountDrift(row);
    if (drift) this.drift.add(drift);
  }

  /** This run checks a wallet: the report gets its section (null otherwise). */
  checkWallet(): void {
    this.wallet ??= {
      checked: true,
      accountsLoaded: 0,
      openHolds: zeroUsd(),
      unflushed: zeroUsd(),
      pendingCredits: zeroUsd(),
      expiredHolds: zeroUsd(),
      skippedBusy: 0,
    };
  }

  addWalletAccount(row: WalletComparison, counts: { holds: number; unflushed: number; pendingCredits: number }): void {
    const wallet = this.walletSection();
    wallet.accountsLoaded++;
    wallet.openHolds.count += counts.holds;
    wallet.unflushed.count += counts.unflushed;
    wallet.pendingCredits.count += counts.pendingCredits;
    this.walletMicros.holds += row.holdsMicros;
    this.walletMicros.unflushed += row.unflushedMicros;
    this.walletMicros.pendingCredits += row.pendingCreditMicros;
    const drift = walletDrift(row);
    if (drift) this.walletDrifts.add(drift);
  }

  walletSkipped(accounts: number): void {
    this.walletSection().skippedBusy += accounts;
  }

  setWalletExpiredHolds(count: number, micros: bigint): void {
    this.walletSection().expiredHolds = { count, usd: formatMicrosAsUsd(micros) };
  }

  /** The wallet could not be read: what the run found of it so far stands, the rest is unknown. */
  walletFailed(error: string): void {
    const wallet = this.walletSection();
    wallet.checked = false;
    wallet.error = error.slice(0, 500);
  }

  addUsage(row: UsageLedgerRow): void {
    this.recordsChecked++;
    const verdict = usageVerdict(row);
    if (verdict.kind === 'without_ledger') {
      this.withoutLedger.add(verdict.item);
      this.withoutLedgerMicros += row.costMicros;
    } else if (verdict.kind === 'mismatch') {
      this.mismatches.add(verdict.item);
    }
    const over = overrun(row);
    if (over) {
      this.overruns.add(over);
      this.overrunMicros += row.overrunMicros;
    }
  }

  addLedgerEntry(row: LedgerCheckRow): void {
    this.ledgerEntriesChecked++;
    const broken = chainBreak(row);
    if (broken) this.breaks.add(broken);
    if (!lacksUsageRecord(row)) return;
    const generationId = row.generationId!;
    this.withoutUsageIds.add(generationId);
    this.withoutUsageMicros += row.amountMicros;
    const known = this.withoutUsage.get(generationId);
    if (known) {
      known.kinds.push(row.kind);
      known.net += row.amountMicros;
    } else if (this.withoutUsage.size < this.limit) {
      this.withoutUsage.set(generationId, {
        accountId: row.accountId,
        kinds: [row.kind],
        net: row.amountMicros,
        firstEntryAt: row.createdAt,
      });
    }
  }

  setSwept(total: Total): void {
    this.swept = total;
  }

  setOpenTooLong(openTooLong: { total: Total; items: OpenReservationRow[] }): void {
    this.openTooLong = openTooLong;
  }

  private walletSection(): WalletSection {
    this.checkWallet();
    return this.wallet!;
  }

  build(generatedAt: Date): ReconciliationReport {
    const ledgerWithoutUsage = [...this.withoutUsage].map(([generationId, entries]) => ({
      generationId,
      accountId: entries.accountId,
      kinds: entries.kinds,
      netUsd: formatMicrosAsUsd(entries.net),
      firstEntryAt: entries.firstEntryAt.toISOString(),
    }));
    const openItems = this.openTooLong.items.slice(0, this.limit).map(openTooLongItem);
    const wallet = this.wallet && {
      ...this.wallet,
      openHolds: { count: this.wallet.openHolds.count, usd: formatMicrosAsUsd(this.walletMicros.holds) },
      unflushed: { count: this.wallet.unflushed.count, usd: formatMicrosAsUsd(this.walletMicros.unflushed) },
      pendingCredits: {
        count: this.wallet.pendingCredits.count,
        usd: formatMicrosAsUsd(this.walletMicros.pendingCredits),
      },
    };
    const walletUnsound = wallet !== null && (!wallet.checked || wallet.expiredHolds.count > 0);
    const totals = {
      drift: this.drift.count,
      walletDrift: this.walletDrifts.count,
      runningBalanceBreaks: this.breaks.count,
      usageWithoutLedger: { count: this.withoutLedger.count, usd: formatMicrosAsUsd(this.withoutLedgerMicros) },
      ledgerWithoutUsage: { count: this.withoutUsageIds.size, usd: formatMicrosAsUsd(this.withoutUsageMicros) },
      usageLedgerMismatches: this.mismatches.count,
      reservationsOpenTooLong: {
        count: this.openTooLong.total.count,
        usd: formatMicrosAsUsd(this.openTooLong.total.micros),
      },
      overruns: { count: this.overruns.count, usd: formatMicrosAsUsd(this.overrunMicros) },
    };
    const truncated =
      [this.drift, this.walletDrifts, this.breaks, this.withoutLedger, this.mismatches, this.overruns].some(
        (list) => list.truncated,
      ) ||
      this.withoutUsageIds.size > ledgerWithoutUsage.length ||
      this.openTooLong.total.count > openItems.length;
    return {
      range: { from: this.range.from?.toISOString() ?? null, to: this.range.to.toISOString() },
      generatedAt: generatedAt.toISOString(),
      recordsChecked: this.recordsChecked,
      ledgerEntriesChecked: this.ledgerEntriesChecked,
      accountsChecked: this.accountsChecked,
      staleReservations: { count: this.swept.count, usd: formatMicrosAsUsd(this.swept.micros) },
      drift: this.drift.items,
      runningBalanceBreaks: this.breaks.items,
      usageWithoutLedger: this.withoutLedger.items,
      ledgerWithoutUsage,
      usageLedgerMismatches: this.mismatches.items,
      reservationsOpenTooLong: openItems,
      overruns: this.overruns.items,
      wallet,
      walletDrift: this.walletDrifts.items,
      totals,
      listLimit: this.limit,
      truncated,
      clean:
        !walletUnsound &&
        totals.drift +
          totals.walletDrift +
          totals.runningBalanceBreaks +
          totals.usageWithoutLedger.count +
          totals.ledgerWithoutUsage.count +
          totals.usageLedgerMismatches +
          totals.reservationsOpenTooLong.count ===
        0,
    };
  }
}

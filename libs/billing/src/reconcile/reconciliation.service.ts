import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import {
  CheckPosition,
  CheckRange,
  ReconciliationChecksRepository,
  ReconciliationsRepository,
  ReconciliationStatus,
} from '@gw/db';
import { PermanentReconciliationError, runRange, scheduledRange, scheduledRunId } from './reconcile-range';
import { ReconciliationReport, REPORT_LIST_LIMIT, ReportBuilder } from './reconciliation-report';
import { WalletBooksCheck } from './wallet-books.check';

export interface ReconcileOutcome {
  runId: string;
  status: ReconciliationStatus;
  /** False when the run had finished before (a repeated job): nothing was recomputed or written. */
  reportWritten: boolean;
  clean?: boolean;
}

/**
 * Runs reconciliations: checks balances against the ledger and usage records against ledger entries, and writes what
 * it found on the run's row. It reports; it never repairs (an adjustment is a staff decision). A run's report is
 * written once: a repeated or concurrent attempt of a completed run changes nothing.
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);

  constructor(
    private readonly runs: ReconciliationsRepository,
    private readonly checks: ReconciliationChecksRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    /** The Redis wallet's accounts are checked too when present (the worker's BooksModule provides it). */
    @Optional() private readonly wallet?: WalletBooksCheck,
  ) {}

  /** The hourly run fired at `firedAt`: its row is created from the range it covers, once. */
  async runScheduled(firedAt: Date): Promise<ReconcileOutcome> {
    const range = scheduledRange(firedAt);
    const id = scheduledRunId(range);
    await this.runs.ensureScheduled({ id, rangeFrom: range.from, rangeTo: range.to });
    return this.run(id);
  }

  async run(runId: string): Promise<ReconcileOutcome> {
    const run = await this.runs.findById(runId);
    if (!run) throw new PermanentReconciliationError(`reconciliation run ${runId} does not exist`);
    // A completed run keeps its report; a failed one is run again (its job was retried, e.g. from the dashboard).
    if (run.status === 'completed') return { runId, status: run.status, reportWritten: false };
    const range = runRange(run);
    if (!(await this.runs.markRunning(runId))) {
      // Finished by another attempt between our read and now.
      const finished = await this.runs.findById(runId);
      return { runId, status: finished!.status, reportWritten: false };
    }
    const report = await this.check(range);
    const written = await this.runs.complete(runId, report);
    if (!written) this.logger.warn(`reconciliation ${runId} was finished by another attempt: its report stands`);
    return { runId, status: 'completed', reportWritten: written, clean: report.clean };
  }

  /** Marks a run failed for good (its last attempt failed); a finished run stays as it is. */
  async fail(runId: string, message: string): Promise<void> {
    await this.runs.fail(runId, message.slice(0, 2_000));
  }

  /** The checks themselves, page by page, with the configured pause after each page. */
  async check(range: CheckRange): Promise<ReconciliationReport> {
    const report = new ReportBuilder(range, REPORT_LIST_LIMIT);
    const size = this.config.worker.reconcileBatchSize;

    let walletReadable = this.wallet !== undefined;
    for (let after: string | null = null; ; ) {
      const page = await this.checks.accountBooksPage(after, size);
      page.forEach((row) => report.addAccount(row));
      if (walletReadable) walletReadable = await this.checkWallet(report, (w) => w.checkPage(page.map((row) => row.accountId), report));
      await this.pause();
      if (page.length < size) break;
      after = page[page.length - 1].accountId;
    }
    for (let after: CheckPosition | null = null; ; ) {
      const page = await this.checks.usageLedgerPage(range, after, size);
      page.forEach((row) => report.addUsage(row));
      await this.pause();
      if (page.length < size) break;
      const last = page[page.length - 1];
      after = { createdAt: last.createdAt, id: last.generationId };
    }
    for (let after: CheckPosition | null = null; ; ) {
      const page = await this.checks.ledgerPage(range, after, size);
      page.forEach((row) => report.addLedgerEntry(row));
      await this.pause();
      if (page.length < size) break;
      const last = page[page.length - 1];
      after = { createdAt: last.createdAt, id: last.id.toString() };
    }
    report.setSwept(await this.checks.sweptInRange(range));
    report.setOpenTooLong(await this.checks.openTooLong(this.config.billing.reservationStaleAfterS, REPORT_LIST_LIMIT));
    if (walletReadable) await this.checkWallet(report, (w) => w.checkExpiredHolds(report));
    return report.build(new Date());
  }

  /**
   * A wallet check that fails (Redis unreachable) does not fail the run: the report says the wallet was not checked
   * (and is not clean), and the PostgreSQL checks go on. Returns whether the wallet is still worth reading.
   */
  private async checkWallet(report: ReportBuilder, check: (wallet: WalletBooksCheck) => Promise<void>): Promise<boolean> {
    try {
      await check(this.wallet!);
      return true;
    } catch (error) {
      this.logger.warn(`reconciliation could not read the wallet: ${(error as Error).message}`);
      report.walletFailed((error as Error).message);
      return false;
    }
  }

  private async pause(): Promise<void> {
    if (this.config.worker.reconcileBatchPauseMs > 0) await sleep(this.config.worker.reconcileBatchPauseMs);
  }
}

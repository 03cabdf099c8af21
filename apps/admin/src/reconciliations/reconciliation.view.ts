import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import type { ReconciliationRunRecord, ReconciliationRunSummary, ReconciliationStatus } from '@gw/db';

export class QueuedReconciliationView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['queued'] }) status!: 'queued';
}

export class ReconciliationView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed'] }) status!: ReconciliationStatus;
  @ApiProperty({ enum: ['manual', 'scheduled'] }) trigger!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) from!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) to!: string | null;
  @ApiPropertyOptional({
    type: Object,
    description:
      'Written by the worker once the run completed (docs/worker.md, "The reconciliation report"): range, ' +
      'recordsChecked, ledgerEntriesChecked, accountsChecked, staleReservations { count, usd } released by the sweep ' +
      'in the range, and the findings, each a list with its total in `totals`: drift (per account: ledger sum vs ' +
      'stored balance), runningBalanceBreaks, usageWithoutLedger, ledgerWithoutUsage, usageLedgerMismatches, ' +
      'reservationsOpenTooLong, overruns; `clean` is true when there is nothing to act on. Money as decimal strings.',
  })
  report?: unknown;
  @ApiPropertyOptional({ type: String }) error?: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;
}

export function toReconciliationView(run: ReconciliationRunRecord): ReconciliationView {
  return {
    id: run.id,
    status: run.status,
    trigger: run.trigger,
    from: run.rangeFrom?.toISOString() ?? null,
    to: run.rangeTo?.toISOString() ?? null,
    ...(run.report !== null && run.report !== undefined ? { report: run.report } : {}),
    ...(run.error ? { error: run.error } : {}),
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}

/** One run in the list: everything but the report, and whether the report found nothing to act on. */
export class ReconciliationSummaryView extends OmitType(ReconciliationView, ['report'] as const) {
  @ApiProperty({ type: Boolean, nullable: true, description: "The report's `clean` flag; null until the run completed" })
  clean!: boolean | null;
}

export function toReconciliationSummaryView(run: ReconciliationRunSummary): ReconciliationSummaryView {
  const { report: _report, ...view } = toReconciliationView({ ...run, report: null });
  return { ...view, clean: run.clean };
}

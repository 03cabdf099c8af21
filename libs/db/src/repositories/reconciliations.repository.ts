import { Injectable } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import { PrismaService } from '../prisma.service';
import type { DbTransaction } from '../transaction-runner';
import { afterTimePosition, Page, TimePosition, toPage } from './keyset-page';

export type ReconciliationStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface ReconciliationRunRecord {
  id: string;
  status: ReconciliationStatus;
  trigger: string;
  rangeFrom: Date | null;
  rangeTo: Date | null;
  requestedBy: string | null;
  /** Written by the worker: plain JSON (amounts as decimal strings). */
  report: unknown;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A run without its report (which may list thousands of findings): whether it was clean is enough for a list. */
export type ReconciliationRunSummary = Omit<ReconciliationRunRecord, 'report'> & { clean: boolean | null };

const SUMMARY_FIELDS = {
  id: true,
  status: true,
  trigger: true,
  rangeFrom: true,
  rangeTo: true,
  requestedBy: true,
  error: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
} as const;

@Injectable()
export class ReconciliationsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async createQueued(
    run: { rangeFrom: Date | null; rangeTo: Date | null; requestedBy: string | null; trigger: 'manual' | 'scheduled' },
    tx: DbTransaction,
  ): Promise<ReconciliationRunRecord> {
    return tx.reconciliationRun.create({ data: { ...run, status: 'queued' } });
  }

  async findById(id: string): Promise<ReconciliationRunRecord | null> {
    return this.prisma.reconciliationRun.findUnique({ where: { id } });
  }

  /** Newest first, each with its report's `clean` flag (null until it completed) read in the database. */
  async findPage(limit: number, after: TimePosition | null): Promise<Page<ReconciliationRunSummary, TimePosition>> {
    const runs = await this.prisma.reconciliationRun.findMany({
      where: afterTimePosition(after),
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
      select: SUMMARY_FIELDS,
    });
    const cleanById = await this.cleanFlags(runs.map((run) => run.id));
    const rows = runs.map((run) => ({ ...run, clean: cleanById.get(run.id) ?? null }));
    return toPage(rows, limit, (row) => ({ createdAt: row.createdAt, id: row.id }));
  }

  private async cleanFlags(ids: string[]): Promise<Map<string, boolean>> {
    if (ids.length === 0) return new Map();
    const rows = await this.prisma.$queryRaw<{ id: string; clean: boolean | null }[]>`
      SELECT id::text AS id, (report->>'clean')::boolean AS clean
        FROM reconciliation_runs WHERE id = ANY(${ids}::uuid[]) AND report IS NOT NULL`;
    return new Map(rows.filter((row) => row.clean !== null).map((row) => [row.id, row.clean as boolean]));
  }

  /**
   * The scheduled run of a time range, created queued unless it exists: its id is derived from the range, so a retried
   * or repeated firing of the schedule finds the same run.
   */
  async ensureScheduled(run: { id: string; rangeFrom: Date; rangeTo: Date }): Promise<void> {
    await this.prisma.$executeRaw`
      INSERT INTO reconciliation_runs (id, status, trigger, range_from, range_to, created_at)
      VALUES (${run.id}::uuid, 'queued', 'scheduled', ${run.rangeFrom}, ${run.rangeTo}, now())
      ON CONFLICT (id) DO NOTHING`;
  }

  /**
   * -> running, from queued, from running (a previous attempt died) or from failed (staff retried its job). False if
   * the run has completed meanwhile.
   */
  async markRunning(id: string): Promise<boolean> {
    const count = await this.prisma.$executeRaw`
      UPDATE reconciliation_runs
         SET status = 'running', started_at = COALESCE(started_at, now()), error = NULL, finished_at = NULL
       WHERE id = ${id}::uuid AND status IN ('queued', 'running', 'failed')`;
    return count === 1;
  }

  /**
   * running -> completed with its report, once: of two attempts racing (a worker presumed dead that was not), only the
   * first writes. True if this call wrote it.
   */
  async complete(id: string, report: object): Promise<boolean> {
    const { count } = await this.prisma.reconciliationRun.updateMany({
      where: { id, status: 'running' },
      data: { status: 'completed', report: report as Prisma.InputJsonValue, finishedAt: new Date() },
    });
    return count === 1;
  }

  /** A run that will not be retried any more (its last attempt failed), unless it already finished. */
  async fail(id: string, error: string): Promise<boolean> {
    const { count } = await this.prisma.reconciliationRun.updateMany({
      where: { id, status: { in: ['queued', 'running'] } },
      data: { status: 'failed', error, finishedAt: new Date() },
    });
    return count === 1;
  }

  /** For a run that could not be handed to the worker: it will never run, so it must not look queued. */
  async markFailed(id: string, error: string): Promise<void> {
    await this.prisma.reconciliationRun.updateMany({
      where: { id, status: 'queued' },
      data: { status: 'failed', error, finishedAt: new Date() },
    });
  }
}

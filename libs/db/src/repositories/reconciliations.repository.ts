import { Injectable } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import { PrismaService } from '../prisma.service';
import type { DbTransaction } from '../transaction-runner';

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

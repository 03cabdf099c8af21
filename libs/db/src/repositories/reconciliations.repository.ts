import { Injectable } from '@nestjs/common';
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

  /** For a run that could not be handed to the worker: it will never run, so it must not look queued. */
  async markFailed(id: string, error: string): Promise<void> {
    await this.prisma.reconciliationRun.updateMany({
      where: { id, status: 'queued' },
      data: { status: 'failed', error, finishedAt: new Date() },
    });
  }
}

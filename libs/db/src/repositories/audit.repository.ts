import { Injectable } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import { PrismaService } from '../prisma.service';
import type { DbTransaction } from '../transaction-runner';
import { Page, toPage } from './keyset-page';

export interface AuditEntry {
  staffId: string | null;
  /** e.g. "api_key.revoke" */
  action: string;
  /** e.g. "api_key:<uuid>" */
  target: string;
  /** Plain JSON values only (no bigint, no Date), and never a secret. */
  before: object | null;
  after: object | null;
  requestId: string | null;
}

/** Narrows the log to one staff member, one target, one action (each optional, combined with AND). */
export interface AuditFilter {
  staffId?: string;
  target?: string;
  action?: string;
}

export interface AuditRecord {
  id: bigint;
  staffId: string | null;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
  createdAt: Date;
}

/** The audit log is written in the transaction of the change it describes: both commit, or neither. */
@Injectable()
export class AuditRepository {
  constructor(private readonly prisma: PrismaService) {}

  async record(entry: AuditEntry, tx: DbTransaction): Promise<void> {
    await tx.auditLog.create({
      data: {
        staffId: entry.staffId,
        action: entry.action,
        target: entry.target,
        before: (entry.before ?? undefined) as Prisma.InputJsonValue | undefined,
        after: (entry.after ?? undefined) as Prisma.InputJsonValue | undefined,
        requestId: entry.requestId,
      },
    });
  }

  /** Newest first; the (staff_id, id) and (target, id) indexes serve the filtered pages. */
  async findPage(filter: AuditFilter, limit: number, afterId: bigint | null): Promise<Page<AuditRecord, bigint>> {
    const rows = await this.prisma.auditLog.findMany({
      where: {
        ...(filter.staffId !== undefined ? { staffId: filter.staffId } : {}),
        ...(filter.target !== undefined ? { target: filter.target } : {}),
        ...(filter.action !== undefined ? { action: filter.action } : {}),
        ...(afterId !== null ? { id: { lt: afterId } } : {}),
      },
      orderBy: { id: 'desc' },
      take: limit + 1,
    });
    return toPage(rows, limit, (row) => row.id);
  }
}

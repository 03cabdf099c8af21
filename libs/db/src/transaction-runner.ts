import { Injectable } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import { PrismaService } from './prisma.service';

/**
 * A database transaction, handed by a service to each repository that takes part in it. Services treat it as opaque:
 * they never query through it themselves.
 */
export type DbTransaction = Prisma.TransactionClient;

/** Runs a unit of work in one transaction, so that a write and its audit entry commit together or not at all. */
@Injectable()
export class TransactionRunner {
  constructor(private readonly prisma: PrismaService) {}

  run<T>(work: (tx: DbTransaction) => Promise<T>): Promise<T> {
    // Generous bounds: idempotent retries queue behind the first request's row lock, and must wait for it.
    return this.prisma.$transaction(work, { maxWait: 10_000, timeout: 20_000 });
  }
}

/** The PostgreSQL SQLSTATE of a failed statement, whether it came from pg directly or through Prisma's adapter. */
export function sqlStateOf(error: unknown): string | undefined {
  const candidate = error as {
    code?: unknown;
    meta?: { code?: unknown; driverAdapterError?: { cause?: { code?: unknown } } };
  } | null;
  const codes = [candidate?.meta?.driverAdapterError?.cause?.code, candidate?.meta?.code, candidate?.code];
  return codes.find((code): code is string => typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code));
}

/** True for a PostgreSQL unique-constraint violation, however Prisma surfaced it. */
export function isUniqueViolation(error: unknown): boolean {
  const candidate = error as { code?: string; meta?: { code?: string }; cause?: { code?: string } } | null;
  return candidate?.code === 'P2002' || candidate?.code === '23505' || candidate?.meta?.code === '23505';
}


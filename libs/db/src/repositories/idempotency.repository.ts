import { Injectable } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import type { DbTransaction } from '../transaction-runner';

export interface StoredResponse {
  requestHash: string;
  statusCode: number;
  response: unknown;
}

/**
 * Answers of writes sent with an `Idempotency-Key`. The (scope, key) primary key is the lock: a concurrent repeat's
 * claim waits on the first request's uncommitted row, then finds the committed answer (or, if the first request rolled
 * back, claims the key itself). Every method runs inside the caller's transaction.
 */
@Injectable()
export class IdempotencyRepository {
  /** True when this transaction now owns the key; false when an answer is already stored under it. */
  async claim(scope: string, key: string, requestHash: string, tx: DbTransaction): Promise<boolean> {
    const rows = await tx.$queryRaw<{ key: string }[]>`
      INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response)
      VALUES (${scope}, ${key}, ${requestHash}, 0, 'null'::jsonb)
      ON CONFLICT (scope, key) DO NOTHING
      RETURNING key`;
    return rows.length === 1;
  }

  async find(scope: string, key: string, tx: DbTransaction): Promise<StoredResponse | null> {
    return tx.idempotencyKey.findUnique({
      where: { scope_key: { scope, key } },
      select: { requestHash: true, statusCode: true, response: true },
    });
  }

  async complete(scope: string, key: string, statusCode: number, response: object, tx: DbTransaction): Promise<void> {
    await tx.idempotencyKey.update({
      where: { scope_key: { scope, key } },
      data: { statusCode, response: response as Prisma.InputJsonValue },
    });
  }
}

import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { UsageProtocol } from '../providers';
import type { UsageRecordRow } from './usage-record.row';
import { afterTimePosition, Page, TimePosition, toPage } from './keyset-page';

export interface UsageFilter {
  accountId?: string;
  keyId?: string;
  model?: string;
  protocol?: UsageProtocol;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

/** A usage record as the admin API reads it: the row the billing path wrote, minus routing details. */
export type UsageRecordView = Omit<
  UsageRecordRow,
  'outcome' | 'channelId' | 'attempts' | 'upstreamLatencyMs' | 'provider' | 'reasoningTokens' | 'upstreamCostMicros' | 'finishReason'
> &
  Required<Pick<UsageRecordRow, 'provider' | 'reasoningTokens' | 'upstreamCostMicros' | 'finishReason'>> & {
    outcome: string;
  };

const USAGE_FIELDS = {
  generationId: true,
  requestId: true,
  accountId: true,
  keyId: true,
  model: true,
  requestedModel: true,
  protocol: true,
  endpoint: true,
  stream: true,
  status: true,
  outcome: true,
  errorType: true,
  inputTokens: true,
  outputTokens: true,
  cachedInputTokens: true,
  cacheWriteTokens: true,
  usageEstimated: true,
  reservedMicros: true,
  costMicros: true,
  overrunMicros: true,
  upstreamStatus: true,
  latencyMs: true,
  createdAt: true,
  provider: true,
  reasoningTokens: true,
  upstreamCostMicros: true,
  finishReason: true,
} as const;

/** Reads of the usage records the proxy writes (one per request, keyed by generation id). */
@Injectable()
export class UsageRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findPage(
    filter: UsageFilter,
    limit: number,
    after: TimePosition | null,
  ): Promise<Page<UsageRecordView, TimePosition>> {
    const createdAt = {
      ...(filter.from ? { gte: filter.from } : {}),
      ...(filter.to ? { lt: filter.to } : {}),
    };
    const rows = await this.prisma.usageRecord.findMany({
      where: {
        AND: [
          {
            ...(filter.accountId ? { accountId: filter.accountId } : {}),
            ...(filter.keyId ? { keyId: filter.keyId } : {}),
            ...(filter.model ? { model: filter.model } : {}),
            ...(filter.protocol ? { protocol: filter.protocol } : {}),
            ...(filter.from || filter.to ? { createdAt } : {}),
          },
          afterTimePosition(after, 'generationId'),
        ],
      },
      orderBy: [{ createdAt: 'desc' }, { generationId: 'desc' }],
      take: limit + 1,
      select: USAGE_FIELDS,
    });
    return toPage(rows, limit, (row) => ({ createdAt: row.createdAt, id: row.generationId }));
  }

  async findByGenerationId(generationId: string): Promise<UsageRecordView | null> {
    return this.prisma.usageRecord.findUnique({ where: { generationId }, select: USAGE_FIELDS });
  }

  /**
   * A generation of one account only (a customer's own lookup, GET /v1/generation): another account's id reads as
   * unknown, so that an id never tells a caller anything about someone else's request.
   */
  async findOfAccount(scope: { accountId: string }, generationId: string): Promise<UsageRecordView | null> {
    return this.prisma.usageRecord.findFirst({
      where: { generationId, accountId: scope.accountId },
      select: USAGE_FIELDS,
    });
  }
}

import { newGenerationId } from '../../libs/common/src';
import type { UsageProtocol } from '../../libs/db/src';
import { testDb } from '../support/test-db';

export interface UsageRecordOptions {
  model?: string;
  /** Default openai, on chat.completions. */
  protocol?: UsageProtocol;
  endpoint?: string;
  createdAt?: Date;
  inputTokens?: number;
  outputTokens?: number;
  costMicros?: bigint;
  reservedMicros?: bigint;
}

/** A usage record as the proxy writes one for a completed request (no money moves: for read-side tests only). */
export async function createUsageRecord(accountId: string, keyId: string, options: UsageRecordOptions = {}) {
  const db = await testDb();
  return db.usageRecord.create({
    data: {
      generationId: newGenerationId(),
      requestId: null,
      accountId,
      keyId,
      model: options.model ?? 'openai/gpt-4.1-mini',
      requestedModel: 'gpt-4.1-mini',
      protocol: options.protocol ?? 'openai',
      endpoint: options.endpoint ?? 'chat.completions',
      stream: false,
      status: 200,
      outcome: 'completed',
      inputTokens: options.inputTokens ?? 5,
      outputTokens: options.outputTokens ?? 7,
      reservedMicros: options.reservedMicros ?? 1_000n,
      costMicros: options.costMicros ?? 13n,
      upstreamStatus: 200,
      latencyMs: 12,
      ...(options.createdAt ? { createdAt: options.createdAt } : {}),
    },
  });
}

import type { TokenUsage } from '@gw/billing';
import { ZERO_USAGE } from '@gw/billing';
import type { UsageOutcome, UsageRecordRow } from '@gw/db';
import type { GatewayContext } from '../context/gateway-context';

export interface UsageFacts {
  status: number;
  outcome: UsageOutcome;
  errorType: string | null;
  usage?: TokenUsage;
  usageEstimated?: boolean;
  costMicros?: bigint;
}

/** The usage record of a request, from its context and how it ended. Requires an authenticated request. */
export function buildUsageRow(gw: GatewayContext, facts: UsageFacts): UsageRecordRow {
  const usage = facts.usage ?? ZERO_USAGE;
  const reserved = gw.hold?.amountMicros ?? 0n;
  const cost = facts.costMicros ?? 0n;
  return {
    generationId: gw.generationId,
    requestId: gw.requestId,
    accountId: gw.key!.accountId,
    keyId: gw.key!.id,
    model: gw.model?.id ?? gw.requestedModel ?? '',
    requestedModel: gw.requestedModel ?? null,
    protocol: gw.protocol,
    endpoint: gw.endpoint ?? 'unknown',
    stream: gw.stream,
    status: facts.status,
    outcome: facts.outcome,
    errorType: facts.errorType,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cachedInputTokens: usage.cachedInputTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    usageEstimated: facts.usageEstimated ?? false,
    reservedMicros: reserved,
    costMicros: cost,
    overrunMicros: cost > reserved && gw.hold ? cost - reserved : 0n,
    upstreamStatus: gw.upstream?.status ?? null,
    channelId: gw.upstream?.channelId ?? null,
    attempts: gw.upstream?.attempts ?? 0,
    latencyMs: Number((process.hrtime.bigint() - gw.startedAt) / 1_000_000n),
    upstreamLatencyMs: gw.upstream?.latencyMs ?? null,
    createdAt: gw.receivedAt,
  };
}

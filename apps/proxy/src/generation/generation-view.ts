import { formatMicrosAsUsd } from '@gw/common';
import type { UsageRecordRow } from '@gw/db';

/** One generation as its caller may read it (spec/policy.md, "Self-service lookups"): never message content. */
export interface GenerationView {
  id: string;
  /** The canonical id it resolved to (what the client asked for, when it resolved to none). */
  model: string;
  requestedModel: string | null;
  provider: string | null;
  protocol: string;
  stream: boolean;
  /** The HTTP status of the answer. */
  status: number;
  outcome: string;
  /** False while the settlement is on its way to PostgreSQL: the counts and costs are then the proxy's own. */
  settled: boolean;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: string;
  upstreamCostUsd: string | null;
  latencyMs: number;
  finishReason: string | null;
  createdAt: string;
}

/** What a generation is made of: a usage record, as the proxy wrote it or as PostgreSQL holds it. */
export type GenerationFacts = Pick<
  UsageRecordRow,
  | 'generationId'
  | 'model'
  | 'requestedModel'
  | 'protocol'
  | 'stream'
  | 'status'
  | 'inputTokens'
  | 'outputTokens'
  | 'cachedInputTokens'
  | 'cacheWriteTokens'
  | 'costMicros'
  | 'latencyMs'
  | 'createdAt'
  | 'provider'
  | 'reasoningTokens'
  | 'upstreamCostMicros'
  | 'finishReason'
> & { outcome: string };

export function generationView(facts: GenerationFacts, settled: boolean): GenerationView {
  const upstreamCost = facts.upstreamCostMicros ?? null;
  return {
    id: facts.generationId,
    model: facts.model,
    requestedModel: facts.requestedModel,
    provider: facts.provider ?? null,
    protocol: facts.protocol,
    stream: facts.stream,
    status: facts.status,
    outcome: facts.outcome,
    settled,
    inputTokens: facts.inputTokens,
    outputTokens: facts.outputTokens,
    cachedInputTokens: facts.cachedInputTokens,
    cacheWriteTokens: facts.cacheWriteTokens,
    reasoningTokens: facts.reasoningTokens ?? 0,
    costUsd: formatMicrosAsUsd(facts.costMicros),
    // Null only for records written before the upstream cost was (a record of the previous version).
    upstreamCostUsd: upstreamCost === null ? null : formatMicrosAsUsd(upstreamCost),
    latencyMs: facts.latencyMs,
    finishReason: facts.finishReason ?? null,
    createdAt: facts.createdAt.toISOString(),
  };
}

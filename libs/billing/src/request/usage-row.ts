import type { AccountId, KeyId } from '@gw/common';
import type { ModelProvider, UsageOutcome, UsageProtocol, UsageRecordRow } from '@gw/db';
import { TokenUsage, ZERO_USAGE } from '../pricing';

/** What a request's usage record says about the request itself, whatever stage it reached. */
export interface UsageSubject {
  readonly generationId: string;
  readonly requestId: string;
  /** process.hrtime.bigint() at arrival. */
  readonly startedAt: bigint;
  readonly receivedAt: Date;
  readonly protocol: UsageProtocol;
  readonly endpoint?: string;
  readonly stream: boolean;
  readonly requestedModel?: string;
  readonly model?: { readonly id: string; readonly provider?: ModelProvider };
  readonly upstream?: { channelId: string; attempts: number; status: number | null; latencyMs: number | null };
}

/** Who pays: the usage record belongs to an authenticated key. */
export interface Payer {
  readonly accountId: AccountId;
  readonly keyId: KeyId;
}

/** How the request ended. */
export interface UsageFacts {
  status: number;
  outcome: UsageOutcome;
  errorType: string | null;
  usage?: TokenUsage;
  usageEstimated?: boolean;
  costMicros?: bigint;
  /** The same usage at the provider's prices (absent: nothing was used, 0). */
  upstreamCostMicros?: bigint;
  /** The stop reason the client received, when the answer had one. */
  finishReason?: string | null;
  /** The provider that answered, when not the model's own (a failover to another provider's channel). */
  provider?: ModelProvider;
}

/**
 * The client's own text (the model it named, in its body or a Gemini path, `%00` decoded) as PostgreSQL can store it:
 * a text value cannot hold U+0000 (the insert fails, "unsupported Unicode escape sequence"), and usage records are
 * written in batches, so one such name lost the record of its request and of every request batched with it. Each NUL
 * becomes U+FFFD, the rest is kept.
 */
export function storableText(text: string): string {
  return text.includes('\u0000') ? text.replace(/\u0000/g, '\uFFFD') : text;
}

/** The usage record of a request, from what it was, who pays, what it held (undefined: nothing) and how it ended. */
export function usageRow(subject: UsageSubject, payer: Payer, heldMicros: bigint | undefined, facts: UsageFacts): UsageRecordRow {
  const usage = facts.usage ?? ZERO_USAGE;
  const reserved = heldMicros ?? 0n;
  const cost = facts.costMicros ?? 0n;
  const upstream = subject.upstream;
  return {
    generationId: subject.generationId,
    requestId: subject.requestId,
    accountId: payer.accountId,
    keyId: payer.keyId,
    model: subject.model?.id ?? storableText(subject.requestedModel ?? ''),
    requestedModel: subject.requestedModel === undefined ? null : storableText(subject.requestedModel),
    protocol: subject.protocol,
    endpoint: subject.endpoint ?? 'unknown',
    stream: subject.stream,
    status: facts.status,
    outcome: facts.outcome,
    errorType: facts.errorType,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cachedInputTokens: usage.cachedInputTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    // Only where the provider reports them apart (absent: not reported, stored as null).
    reasoningTokens: usage.reasoningTokens ?? null,
    usageEstimated: facts.usageEstimated ?? false,
    reservedMicros: reserved,
    costMicros: cost,
    overrunMicros: heldMicros !== undefined && cost > reserved ? cost - reserved : 0n,
    upstreamStatus: upstream?.status ?? null,
    channelId: upstream?.channelId ?? null,
    attempts: upstream?.attempts ?? 0,
    latencyMs: Number((process.hrtime.bigint() - subject.startedAt) / 1_000_000n),
    upstreamLatencyMs: upstream?.latencyMs ?? null,
    createdAt: subject.receivedAt,
    provider: facts.provider ?? subject.model?.provider ?? null,
    upstreamCostMicros: facts.upstreamCostMicros ?? 0n,
    finishReason: facts.finishReason ?? null,
  };
}

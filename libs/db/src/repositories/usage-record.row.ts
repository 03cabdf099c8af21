import type { ModelProvider, UsageProtocol } from '../providers';

/** One usage record as the billing path writes it (see the UsageRecord model in prisma/schema.prisma). */
export interface UsageRecordRow {
  generationId: string;
  requestId: string | null;
  accountId: string;
  keyId: string;
  model: string;
  requestedModel: string | null;
  protocol: UsageProtocol;
  endpoint: string;
  stream: boolean;
  status: number;
  outcome: UsageOutcome;
  errorType: string | null;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  usageEstimated: boolean;
  reservedMicros: bigint;
  costMicros: bigint;
  overrunMicros: bigint;
  upstreamStatus: number | null;
  channelId: string | null;
  attempts: number;
  latencyMs: number;
  upstreamLatencyMs: number | null;
  createdAt: Date;
  /** The model's provider (absent or null: not recorded, as in records written before it was). */
  provider?: ModelProvider | null;
  /** Part of outputTokens: reasoning tokens, billed at the output price (absent: not reported). */
  reasoningTokens?: number | null;
  /** The same usage at the upstream prices, rounded up once (absent: not recorded). */
  upstreamCostMicros?: bigint | null;
  /** The stop reason the client received (stop, length, end_turn, tool_use, ...). */
  finishReason?: string | null;
}

/**
 * How a request ended. 'upstream_dropped': the provider's stream broke off; 'gateway_shutdown': the gateway's own
 * shutdown cut it (past SHUTDOWN_GRACE_MS); 'abandoned': written by the stale sweep only, the request's proxy died
 * before settling it (status 0, with what it had delivered as of its last heartbeat).
 */
export const USAGE_OUTCOMES = [
  'completed',
  'client_aborted',
  'upstream_dropped',
  'gateway_shutdown',
  'upstream_error',
  'rejected',
  'abandoned',
] as const;
export type UsageOutcome = (typeof USAGE_OUTCOMES)[number];

/** snake_case JSON for jsonb_populate_record(NULL::usage_records, ...); bigints as strings (JSON has no bigint). */
export function usageRowToJson(row: UsageRecordRow): Record<string, unknown> {
  return {
    generation_id: row.generationId,
    request_id: row.requestId,
    account_id: row.accountId,
    key_id: row.keyId,
    model: row.model,
    requested_model: row.requestedModel,
    protocol: row.protocol,
    endpoint: row.endpoint,
    stream: row.stream,
    status: row.status,
    outcome: row.outcome,
    error_type: row.errorType,
    input_tokens: row.inputTokens,
    output_tokens: row.outputTokens,
    cached_input_tokens: row.cachedInputTokens,
    cache_write_tokens: row.cacheWriteTokens,
    usage_estimated: row.usageEstimated,
    reserved_micros: row.reservedMicros.toString(),
    cost_micros: row.costMicros.toString(),
    overrun_micros: row.overrunMicros.toString(),
    upstream_status: row.upstreamStatus,
    channel_id: row.channelId,
    attempts: row.attempts,
    latency_ms: row.latencyMs,
    upstream_latency_ms: row.upstreamLatencyMs,
    created_at: row.createdAt.toISOString(),
    provider: row.provider ?? null,
    reasoning_tokens: row.reasoningTokens ?? null,
    upstream_cost_micros: row.upstreamCostMicros?.toString() ?? null,
    finish_reason: row.finishReason ?? null,
  };
}

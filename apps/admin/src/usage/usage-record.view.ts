import { ApiProperty } from '@nestjs/swagger';
import { formatMicrosAsUsd } from '@gw/common';
import { USAGE_OUTCOMES, USAGE_PROTOCOLS, type UsageProtocol, type UsageRecordView as UsageRow } from '@gw/db';

export class UsageRecordView {
  @ApiProperty({ example: 'gen-01J...' }) generationId!: string;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ format: 'uuid' }) keyId!: string;
  @ApiProperty({ example: 'openai/gpt-4.1-mini' }) model!: string;
  @ApiProperty({ type: String, nullable: true, description: 'As the client wrote it' }) requestedModel!: string | null;
  @ApiProperty({ enum: USAGE_PROTOCOLS }) protocol!: UsageProtocol;
  @ApiProperty({ example: 'chat.completions' }) endpoint!: string;
  @ApiProperty() stream!: boolean;
  @ApiProperty({ description: 'HTTP status the client received' }) status!: number;
  @ApiProperty({ enum: USAGE_OUTCOMES })
  outcome!: string;
  @ApiProperty({ type: String, nullable: true }) errorType!: string | null;
  @ApiProperty() inputTokens!: number;
  @ApiProperty() outputTokens!: number;
  @ApiProperty({ type: String, enum: ['openai', 'anthropic'], nullable: true, description: "The model's provider" })
  provider!: string | null;
  @ApiProperty({ description: 'Part of inputTokens: read from the prompt cache' }) cachedInputTokens!: number;
  @ApiProperty({ description: 'Part of inputTokens: written to the prompt cache' }) cacheWriteTokens!: number;
  @ApiProperty({ description: 'Part of outputTokens: reasoning tokens, billed at the output price' })
  reasoningTokens!: number;
  @ApiProperty({ description: 'Tokens counted by the gateway (stream cut short) rather than reported upstream' })
  usageEstimated!: boolean;
  @ApiProperty({ example: '0.052600' }) reservedUsd!: string;
  @ApiProperty({ example: '0.000070', description: 'Charged' }) costUsd!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '0.000067',
    description: 'The same usage at the upstream prices; null for records written before it was recorded',
  })
  upstreamCostUsd!: string | null;
  @ApiProperty({ example: '0.000000', description: 'Cost above the reservation, flagged for reconciliation' })
  overrunUsd!: string;
  @ApiProperty({ type: Number, nullable: true }) upstreamStatus!: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'stop', description: 'The stop reason the client received' })
  finishReason!: string | null;
  @ApiProperty() latencyMs!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function toUsageRecordView(row: UsageRow): UsageRecordView {
  return {
    generationId: row.generationId,
    requestId: row.requestId,
    accountId: row.accountId,
    keyId: row.keyId,
    model: row.model,
    requestedModel: row.requestedModel,
    protocol: row.protocol,
    endpoint: row.endpoint,
    stream: row.stream,
    status: row.status,
    outcome: row.outcome,
    errorType: row.errorType,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    provider: row.provider,
    cachedInputTokens: row.cachedInputTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    reasoningTokens: row.reasoningTokens ?? 0,
    usageEstimated: row.usageEstimated,
    reservedUsd: formatMicrosAsUsd(row.reservedMicros),
    costUsd: formatMicrosAsUsd(row.costMicros),
    upstreamCostUsd: row.upstreamCostMicros === null ? null : formatMicrosAsUsd(row.upstreamCostMicros),
    overrunUsd: formatMicrosAsUsd(row.overrunMicros),
    upstreamStatus: row.upstreamStatus,
    finishReason: row.finishReason,
    latencyMs: row.latencyMs,
    createdAt: row.createdAt.toISOString(),
  };
}

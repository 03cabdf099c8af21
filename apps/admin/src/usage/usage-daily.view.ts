import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { formatMicrosAsUsd } from '@gw/common';
import type { UsageRollupRecord } from '@gw/db';

const TOKEN_COUNT: ApiPropertyOptions = {
  oneOf: [{ type: 'integer' }, { type: 'string', pattern: '^\\d+$' }],
  description:
    'Sum of the day: a JSON integer, or a decimal string should it ever exceed 2^53 - 1 (JSON numbers are exact only ' +
    'up to there; a day of one key and model would need billions of maximum-size requests)',
};

/** One UTC day of one key with one model (from the worker's rollups, not the raw records). */
export class UsageDailyView {
  @ApiProperty({ format: 'date', example: '2026-11-25', description: 'UTC day' }) day!: string;
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ format: 'uuid' }) keyId!: string;
  @ApiProperty({ example: 'openai/gpt-4.1-mini' }) model!: string;
  @ApiProperty({ description: "Requests the gateway answered (every outcome but 'abandoned')" }) requests!: number;
  @ApiProperty({ description: "Requests whose proxy died before answering ('abandoned' usage records)" })
  abandoned!: number;
  @ApiProperty(TOKEN_COUNT) inputTokens!: number | string;
  @ApiProperty(TOKEN_COUNT) outputTokens!: number | string;
  @ApiProperty({ example: '1.234567' }) costUsd!: string;
  @ApiProperty({ format: 'date-time', description: 'When the worker last changed this row' }) updatedAt!: string;
}

/** A JSON number when exactly representable, else the decimal string: never a rounded count. */
export function exactInteger(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}

export function toUsageDailyView(row: UsageRollupRecord): UsageDailyView {
  return {
    day: row.day,
    accountId: row.accountId,
    keyId: row.keyId,
    model: row.model,
    requests: row.requests,
    abandoned: row.abandoned,
    inputTokens: exactInteger(row.inputTokens),
    outputTokens: exactInteger(row.outputTokens),
    costUsd: formatMicrosAsUsd(row.costMicros),
    updatedAt: row.updatedAt.toISOString(),
  };
}

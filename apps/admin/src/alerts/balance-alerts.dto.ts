import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsNotEmpty, IsString, MaxLength, ValidateBy } from 'class-validator';
import { OptionalNotNull } from '../shared/optional-not-null';
import { usdStringToMicros, UsdBounds } from '../shared/usd-amount.validator';

/** Above USD 0 (a balance cannot fall below nothing it never had) and at most 1,000,000. */
export const THRESHOLD_BOUNDS: UsdBounds = { min: 0n, exclusiveMin: true, max: 1_000_000_000_000n };
export const MAX_THRESHOLDS = 10;

/** Why a threshold list is refused, or null: each a USD amount, strictly decreasing (each once, highest first). */
export function thresholdsProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return 'must be an array of decimal strings in USD';
  let previous: bigint | null = null;
  for (const [index, entry] of value.entries()) {
    const micros = usdStringToMicros(entry, THRESHOLD_BOUNDS);
    if (micros === null) {
      return `entry ${index} (${JSON.stringify(entry)?.slice(0, 40)}) must be a decimal string in USD with up to 6 decimal places, above 0 and at most 1000000`;
    }
    if (previous !== null && micros >= previous) {
      return 'must be strictly decreasing (highest first, each once), e.g. ["10.00", "1.00"]';
    }
    previous = micros;
  }
  return null;
}

export class BalanceAlertSettingsDto {
  @ApiProperty({
    type: [String],
    maxItems: MAX_THRESHOLDS,
    example: ['10.00', '1.00'],
    description: 'USD, strictly decreasing; an event is sent when the spendable balance falls below one. Empty: none',
  })
  @IsArray()
  @ArrayMaxSize(MAX_THRESHOLDS)
  @ValidateBy({
    name: 'isThresholdList',
    validator: {
      validate: (value: unknown) => thresholdsProblem(value) === null,
      defaultMessage: (args) => thresholdsProblem(args?.value) ?? 'must be strictly decreasing USD amounts',
    },
  })
  thresholdsUsd!: string[];

  @ApiProperty({
    example: 'https://hooks.example.com/chuizi',
    description: 'http or https; loopback and private addresses only with ALERT_WEBHOOK_ALLOW_PRIVATE=true',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2_048)
  webhookUrl!: string;

  @ApiPropertyOptional({
    maxLength: 256,
    writeOnly: true,
    description:
      'Key of the X-Chuizi-Signature HMAC-SHA256 (use 32+ random characters). Required the first time; left out, ' +
      'the current one is kept. Never returned.',
  })
  @OptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  secret?: string;
}

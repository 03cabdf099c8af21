import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { OptionalNotNull } from '../shared/optional-not-null';
import { IsUsdAmount, UsdBounds } from '../shared/usd-amount.validator';

/** At most USD 1,000,000 either way per adjustment. */
export const ADJUSTMENT_BOUNDS: UsdBounds = { min: -1_000_000_000_000n, max: 1_000_000_000_000n, signed: true };

export class AdjustmentDto {
  @ApiProperty({
    example: '-4.250000',
    description:
      'USD, signed decimal string, up to 6 places, between -1000000 and 1000000. Continues the ledger: the stored ' +
      'balance becomes the ledger balance plus this amount. "0" only on an account whose stored balance drifted from ' +
      'its ledger: it re-states the stored balance from the ledger (docs/worker.md).',
  })
  @IsUsdAmount(ADJUSTMENT_BOUNDS)
  amountUsd!: string;

  @ApiProperty({ maxLength: 500, description: 'Why: kept on the ledger entry and in the audit log' })
  @IsString()
  @Matches(/\S/, { message: 'reason must not be blank' })
  @MaxLength(500)
  reason!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The reconciliation run whose finding this settles' })
  @IsOptional()
  @IsUUID('all')
  reconciliationId?: string;

  @ApiPropertyOptional({
    default: false,
    description:
      'A debit that would take the spendable balance below zero is refused with 400 unless this is true (the audit ' +
      'entry records it). Checked under the account row lock, so concurrent debits cannot overdraw together.',
  })
  @OptionalNotNull()
  @IsBoolean()
  allowNegativeBalance?: boolean;
}

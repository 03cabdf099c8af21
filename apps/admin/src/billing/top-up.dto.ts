import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsUsdAmount, UsdBounds } from '../shared/usd-amount.validator';

/** More than 0, at most USD 1,000,000 per top-up. */
export const TOP_UP_BOUNDS: UsdBounds = { min: 0n, exclusiveMin: true, max: 1_000_000_000_000n };

export class TopUpDto {
  @ApiProperty({ example: '25.00', description: 'USD, decimal string, up to 6 places; > 0 and <= 1000000' })
  @IsUsdAmount(TOP_UP_BOUNDS)
  amountUsd!: string;

  @ApiPropertyOptional({ maxLength: 200, description: 'Free text, e.g. an invoice or payment id' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;
}

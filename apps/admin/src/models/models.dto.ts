import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { MODEL_PROVIDERS, type ModelProvider } from '@gw/db';
import { OptionalNotNull } from '../shared/optional-not-null';
import { IsUsdAmount, UsdBounds } from '../shared/usd-amount.validator';

/** USD 0 to 1,000,000 per million tokens. */
export const PRICE_BOUNDS: UsdBounds = { min: 0n, max: 1_000_000_000_000n };
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/;

/** Any of the fields GET /models shows; `id` and `provider` may be sent back but not changed. */
export class UpdateModelDto {
  @ApiPropertyOptional({ description: 'If sent, must be the id in the path' })
  @OptionalNotNull()
  @IsString()
  id?: string;

  @ApiPropertyOptional({ type: [String] })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(32)
  @Matches(MODEL_NAME, { each: true, message: 'each alias must be 1-128 of [A-Za-z0-9._:/@-], starting alphanumeric' })
  aliases?: string[];

  @ApiPropertyOptional({ enum: MODEL_PROVIDERS, description: 'If sent, must be the current provider' })
  @OptionalNotNull()
  @IsIn(MODEL_PROVIDERS)
  provider?: ModelProvider;

  @ApiPropertyOptional({ example: '0.40', description: 'USD per million input tokens' })
  @OptionalNotNull()
  @IsUsdAmount(PRICE_BOUNDS)
  inputUsdPerMTok?: string;

  @ApiPropertyOptional({ example: '1.60', description: 'USD per million output tokens' })
  @OptionalNotNull()
  @IsUsdAmount(PRICE_BOUNDS)
  outputUsdPerMTok?: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '0.10',
    description: 'null: cached input at the input price',
  })
  @IsOptional()
  @IsUsdAmount(PRICE_BOUNDS)
  cachedInputUsdPerMTok?: string | null;

  @ApiPropertyOptional({ minimum: 0, maximum: 10_000_000 })
  @OptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  maxOutputTokens?: number;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: 3600,
    description: 'Upstream timeout per attempt in seconds; null: follow UPSTREAM_TIMEOUT_S',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3600)
  timeoutS?: number | null;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsBoolean()
  enabled?: boolean;
}

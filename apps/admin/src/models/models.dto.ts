import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { applyMarkup, defaultCacheWritePrice, MAX_MARKUP_MILLIONTHS } from '@gw/common';
import { MODEL_PROVIDERS, type ModelProvider } from '@gw/db';
import { IsMarkup } from '../shared/markup.validator';
import { OptionalNotNull } from '../shared/optional-not-null';
import { IsUsdAmount, UsdBounds } from '../shared/usd-amount.validator';

/** Upstream prices: USD 0 to 1,000,000 per million tokens. */
export const PRICE_BOUNDS: UsdBounds = { min: 0n, max: 1_000_000_000_000n };
/**
 * Upstream prices as GET can show them: a cache-write price that follows its default (1.25 x input) can exceed
 * PRICE_BOUNDS, and sent back it must still be taken (it changes nothing). A new upstream price is held to
 * PRICE_BOUNDS (model-changes.ts).
 */
export const SHOWN_UPSTREAM_PRICE_BOUNDS: UsdBounds = { min: 0n, max: defaultCacheWritePrice(PRICE_BOUNDS.max) };
/**
 * Charged (top-level) prices: up to the largest GET can show (the default cache-write price of the largest input price,
 * at the largest markup), so that GET's answer can always be sent back (a charged price above PRICE_BOUNDS was refused,
 * at a markup above 1). The upstream price a new one sets is still held to PRICE_BOUNDS (model-changes.ts).
 */
export const CHARGED_PRICE_BOUNDS: UsdBounds = {
  min: 0n,
  max: applyMarkup(defaultCacheWritePrice(PRICE_BOUNDS.max), MAX_MARKUP_MILLIONTHS),
};
export const MAX_RPM_PER_ACCOUNT = 1_000_000;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/;
/** How a new top-level (charged) price is stored (model-changes.ts, upstreamCharging). */
const CHARGED_EXACTLY =
  'a new value is charged exactly: when no upstream price reaches it at the markup, the charged price is pinned and ' +
  'upstream is set less than 0.000001 below it / markup';

/** What the provider charges, USD per million tokens; a field left out keeps its value, one sent clears its pin. */
export class UpstreamPricesDto {
  @ApiPropertyOptional({ example: '0.40' })
  @OptionalNotNull()
  @IsUsdAmount(SHOWN_UPSTREAM_PRICE_BOUNDS)
  inputUsdPerMTok?: string;

  @ApiPropertyOptional({ example: '1.60' })
  @OptionalNotNull()
  @IsUsdAmount(SHOWN_UPSTREAM_PRICE_BOUNDS)
  outputUsdPerMTok?: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: '0.10', description: 'null: 0.1 x the input price' })
  @IsOptional()
  @IsUsdAmount(SHOWN_UPSTREAM_PRICE_BOUNDS)
  cachedInputUsdPerMTok?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: '0.50', description: 'null: 1.25 x the input price' })
  @IsOptional()
  @IsUsdAmount(SHOWN_UPSTREAM_PRICE_BOUNDS)
  cacheWriteUsdPerMTok?: string | null;
}

/**
 * Any of the fields GET /models shows; `id` and `provider` may be sent back but not changed. The top-level prices
 * are the charged ones: sent back unchanged they change nothing; a new value is charged exactly: it sets the upstream
 * price that, marked up, charges it, or, when no upstream price does (at 1.05 one micro-dollar in 21), pins the
 * charged price and sets the upstream price less than a micro-dollar per MTok below charged / markup (prefer `upstream`
 * and `markup`, which say what you mean; either clears the pins it touches).
 */
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

  @ApiPropertyOptional({ example: '0.42', description: `Charged USD per million input tokens; ${CHARGED_EXACTLY}` })
  @OptionalNotNull()
  @IsUsdAmount(CHARGED_PRICE_BOUNDS)
  inputUsdPerMTok?: string;

  @ApiPropertyOptional({ example: '1.68', description: `Charged USD per million output tokens; ${CHARGED_EXACTLY}` })
  @OptionalNotNull()
  @IsUsdAmount(CHARGED_PRICE_BOUNDS)
  outputUsdPerMTok?: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '0.105',
    description: `Charged USD per million cached input tokens; ${CHARGED_EXACTLY}; null: the default (0.1 x upstream input)`,
  })
  @IsOptional()
  @IsUsdAmount(CHARGED_PRICE_BOUNDS)
  cachedInputUsdPerMTok?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '0.525',
    description: `Charged USD per million cache-write tokens; ${CHARGED_EXACTLY}; null: the default (1.25 x upstream input)`,
  })
  @IsOptional()
  @IsUsdAmount(CHARGED_PRICE_BOUNDS)
  cacheWriteUsdPerMTok?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '1.05',
    description:
      'Charged price = upstream price x markup, rounded up to 6 decimals; null: PRICE_MARKUP. A change re-derives ' +
      'the charged prices, pinned ones included, except those the same request sets anew',
  })
  @IsOptional()
  @IsMarkup()
  markup?: string | null;

  @ApiPropertyOptional({
    type: UpstreamPricesDto,
    description: 'What the provider charges, USD per million tokens; a price sent here is charged x markup (no pin)',
  })
  @OptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => UpstreamPricesDto)
  upstream?: UpstreamPricesDto;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 0,
    maximum: MAX_RPM_PER_ACCOUNT,
    description: 'Requests per minute of one account on this model, 0: no limit; null: DEFAULT_MODEL_RPM_PER_ACCOUNT',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_RPM_PER_ACCOUNT)
  rpmPerAccount?: number | null;

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

import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { isPlainObject, IsStringOrObject, Satisfies } from '../validation/satisfies.decorator';

const ROLES = ['user', 'assistant'] as const;
const MAX_MESSAGES = 100_000;

const isBlock = (value: unknown) => isPlainObject(value) && typeof value.type === 'string';

/** Content (and a system prompt) is a string or an array of typed blocks; the blocks' details are the provider's. */
const IsContentBlocks = () =>
  Satisfies(
    'isContentBlocks',
    (value) => typeof value === 'string' || (Array.isArray(value) && value.every(isBlock)),
    'Input should be a valid string or a list of content blocks with a type',
  );

export class AnthropicMessageDto {
  @IsIn(ROLES)
  role!: (typeof ROLES)[number];

  @IsContentBlocks()
  content!: string | object[];
}

/**
 * The parameters POST /v1/messages/count_tokens takes, as Anthropic documents them (beta ones included: the
 * `anthropic-beta` header is passed on). Anything else gets Anthropic's own "Extra inputs are not permitted" 400.
 */
export class AnthropicCountTokensRequestDto {
  @IsString() @MinLength(1) @MaxLength(256)
  model!: string;

  @IsArray() @ArrayNotEmpty() @ArrayMaxSize(MAX_MESSAGES)
  @ValidateNested({ each: true }) @Type(() => AnthropicMessageDto)
  messages!: AnthropicMessageDto[];

  @IsOptional() @IsContentBlocks()
  system?: string | object[];

  @IsOptional() @IsArray()
  tools?: object[];

  @IsOptional() @IsObject()
  tool_choice?: object;

  @IsOptional() @IsObject()
  thinking?: object;

  @IsOptional() @IsObject()
  cache_control?: object | null;

  @IsOptional() @IsObject()
  output_config?: object;

  @IsOptional() @IsIn(['standard', 'fast'])
  speed?: 'standard' | 'fast' | null;

  @IsOptional() @IsObject()
  context_management?: object | null;

  @IsOptional() @IsArray()
  mcp_servers?: object[];

  @IsOptional() @IsObject()
  output_format?: object | null;

  @IsOptional() @IsObject()
  billing_policy?: object | null;

  @IsOptional() @IsObject()
  compaction?: object | null;
}

/**
 * POST /v1/messages, as Anthropic documents it: every body parameter, the sampling ones of earlier API versions and
 * the beta ones included. Nested objects are checked for type and left to the provider in detail.
 */
export class AnthropicMessagesRequestDto extends AnthropicCountTokensRequestDto {
  @IsInt() @Min(0)
  max_tokens!: number;

  @IsOptional() @IsBoolean()
  stream?: boolean;

  @IsOptional() @IsArray() @IsString({ each: true })
  stop_sequences?: string[];

  @IsOptional() @IsNumber() @Min(0) @Max(1)
  temperature?: number;

  @IsOptional() @IsInt() @Min(0)
  top_k?: number;

  @IsOptional() @IsNumber() @Min(0) @Max(1)
  top_p?: number;

  @IsOptional() @IsObject()
  metadata?: object;

  @IsOptional() @IsIn(['auto', 'standard_only'])
  service_tier?: 'auto' | 'standard_only';

  @IsOptional() @IsStringOrObject()
  container?: string | object | null;

  @IsOptional() @IsString()
  inference_geo?: string | null;

  @IsOptional() @IsObject()
  diagnostics?: object | null;

  @IsOptional() @IsStringOrObject()
  fallback_credit_token?: string | object | null;

  @IsOptional()
  @Satisfies('isFallbacks', (value) => value === 'default' || Array.isArray(value), "Input should be a list or 'default'")
  fallbacks?: object[] | 'default' | null;

  @IsOptional() @IsObject()
  thread?: object | null;
}

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
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsStringOrObject, Satisfies } from '../validation/satisfies.decorator';

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;

/** Content is a string, an array of parts, or null (assistant messages with tool calls). */
const IsContent = () =>
  Satisfies(
    'isContent',
    (value) => value === null || typeof value === 'string' || Array.isArray(value),
    'content must be a string, an array of content parts, or null',
  );

/** Up to 4 stop sequences, or one. */
const IsStop = () =>
  Satisfies(
    'isStop',
    (value) =>
      typeof value === 'string' ||
      (Array.isArray(value) && value.length <= 4 && value.every((item) => typeof item === 'string')),
    'stop must be a string or an array of up to 4 strings',
  );

export class ChatMessageDto {
  @IsIn(ROLES)
  role!: (typeof ROLES)[number];

  // Assistant messages may omit content (tool calls only); every other role must send it.
  @ValidateIf((m: ChatMessageDto) => m.content !== undefined || m.role !== 'assistant')
  @IsContent()
  content?: string | unknown[] | null;

  @IsOptional() @IsString() @MaxLength(256)
  name?: string;

  @IsOptional() @IsArray()
  tool_calls?: unknown[];

  @IsOptional() @IsString()
  tool_call_id?: string;

  @IsOptional() @IsObject()
  function_call?: object;

  @IsOptional() @IsString()
  refusal?: string | null;

  @IsOptional() @IsObject()
  audio?: object;
}

class StreamOptionsDto {
  @IsOptional() @IsBoolean()
  include_usage?: boolean;

  @IsOptional() @IsBoolean()
  include_obfuscation?: boolean;
}

/**
 * POST /v1/chat/completions, as OpenAI documents it. Every parameter OpenAI accepts is listed (so that anything else
 * gets OpenAI's own "Unrecognized request argument" 400); nested objects are checked for type and left to the
 * provider in detail.
 */
export class ChatCompletionRequestDto {
  @IsString() @MinLength(1) @MaxLength(256)
  model!: string;

  @IsArray() @ArrayNotEmpty() @ArrayMaxSize(100_000)
  @ValidateNested({ each: true }) @Type(() => ChatMessageDto)
  messages!: ChatMessageDto[];

  @IsOptional() @IsInt() @Min(1)
  max_tokens?: number;

  @IsOptional() @IsInt() @Min(1)
  max_completion_tokens?: number;

  @IsOptional() @IsBoolean()
  stream?: boolean;

  @IsOptional() @IsObject() @ValidateNested() @Type(() => StreamOptionsDto)
  stream_options?: StreamOptionsDto;

  @IsOptional() @IsNumber() @Min(0) @Max(2)
  temperature?: number;

  @IsOptional() @IsNumber() @Min(0) @Max(1)
  top_p?: number;

  @IsOptional() @IsInt() @Min(1) @Max(128)
  n?: number;

  @IsOptional() @IsStop()
  stop?: string | string[] | null;

  @IsOptional() @IsNumber() @Min(-2) @Max(2)
  presence_penalty?: number;

  @IsOptional() @IsNumber() @Min(-2) @Max(2)
  frequency_penalty?: number;

  @IsOptional() @IsObject()
  logit_bias?: object;

  @IsOptional() @IsBoolean()
  logprobs?: boolean;

  @IsOptional() @IsInt() @Min(0) @Max(20)
  top_logprobs?: number;

  @IsOptional() @IsString()
  user?: string;

  @IsOptional() @IsArray()
  tools?: unknown[];

  @IsOptional() @IsStringOrObject()
  tool_choice?: string | object;

  @IsOptional() @IsBoolean()
  parallel_tool_calls?: boolean;

  @IsOptional() @IsArray()
  functions?: unknown[];

  @IsOptional() @IsStringOrObject()
  function_call?: string | object;

  @IsOptional() @IsObject()
  response_format?: object;

  @IsOptional() @IsInt()
  seed?: number;

  @IsOptional() @IsString()
  service_tier?: string;

  @IsOptional() @IsBoolean()
  store?: boolean;

  @IsOptional() @IsObject()
  metadata?: object;

  @IsOptional() @IsArray()
  modalities?: string[];

  @IsOptional() @IsObject()
  audio?: object;

  @IsOptional() @IsObject()
  prediction?: object;

  @IsOptional() @IsString()
  reasoning_effort?: string;

  @IsOptional() @IsString()
  verbosity?: string;

  @IsOptional() @IsObject()
  web_search_options?: object;

  @IsOptional() @IsString()
  prompt_cache_key?: string;

  @IsOptional() @IsString()
  safety_identifier?: string;
}

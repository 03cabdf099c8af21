import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { MODEL_PROVIDERS, type ModelProvider } from '@gw/db';
import { IsObjectEach } from '../shared/object-entries.validator';
import { OptionalNotNull } from '../shared/optional-not-null';
import { IsBaseUrl } from './base-url.validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const CHANNEL_NAME_MESSAGE = 'must be 1-100 of [A-Za-z0-9._-], starting alphanumeric';
// Visible ASCII only: the credential goes into an HTTP header, where a line break would start another header.
const CREDENTIAL = /^[\x21-\x7e]{1,4096}$/;
const CREDENTIAL_MESSAGE = 'must be 1-4096 visible ASCII characters';
// A provider's model name goes into a URL path (Gemini) and a JSON body: visible ASCII without a slash-free guarantee
// is not needed, but spaces and control characters are never part of one.
const UPSTREAM_MODEL = /^[\x21-\x7e]{1,200}$/;
const UPSTREAM_MODEL_MESSAGE = 'must be 1-200 visible ASCII characters';
export const MAX_PRIORITY = 1_000;
export const MAX_WEIGHT = 1_000;
export const MAX_CHANNELS_PER_MODEL = 32;

export class CreateChannelDto {
  @ApiProperty({ example: 'openai-primary', description: 'Unique' })
  @Transform(trim)
  @IsString()
  @Matches(CHANNEL_NAME, { message: CHANNEL_NAME_MESSAGE })
  name!: string;

  @ApiProperty({
    enum: MODEL_PROVIDERS,
    description: 'The upstream provider, and so the protocol it speaks: openai, anthropic, google (Gemini)',
  })
  @IsIn(MODEL_PROVIDERS)
  provider!: ModelProvider;

  @ApiProperty({
    example: 'https://api.openai.com',
    description:
      "The provider's origin, without the protocol path (https://api.openai.com, https://api.anthropic.com, " +
      'https://generativelanguage.googleapis.com); http(s), no credentials, query or fragment',
  })
  @IsString()
  @IsBaseUrl()
  baseUrl!: string;

  @ApiProperty({
    writeOnly: true,
    description:
      "The provider's API key (sent upstream as Bearer to openai, x-api-key to anthropic, x-goog-api-key to " +
      'google); never shown again, stored sealed',
  })
  @IsString()
  @Matches(CREDENTIAL, { message: CREDENTIAL_MESSAGE })
  apiKey!: string;

  @ApiPropertyOptional({ default: true })
  @OptionalNotNull()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateChannelDto {
  @ApiPropertyOptional({ description: 'If sent, must be the id in the path' })
  @OptionalNotNull()
  @IsString()
  id?: string;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @Transform(trim)
  @IsString()
  @Matches(CHANNEL_NAME, { message: CHANNEL_NAME_MESSAGE })
  name?: string;

  @ApiPropertyOptional({ enum: MODEL_PROVIDERS, description: 'If sent, must be the current provider' })
  @OptionalNotNull()
  @IsIn(MODEL_PROVIDERS)
  provider?: ModelProvider;

  @ApiPropertyOptional({ description: 'The stored credential is re-sealed for the new URL unless apiKey is sent too' })
  @OptionalNotNull()
  @IsString()
  @IsBaseUrl()
  baseUrl?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'Replaces the credential' })
  @OptionalNotNull()
  @IsString()
  @Matches(CREDENTIAL, { message: CREDENTIAL_MESSAGE })
  apiKey?: string;

  @ApiPropertyOptional({ description: 'A disabled channel is skipped by every model that links it' })
  @OptionalNotNull()
  @IsBoolean()
  enabled?: boolean;
}

export class ChannelLinkDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  channelId!: string;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: MAX_PRIORITY, description: 'Lower is tried first' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_PRIORITY)
  priority?: number;

  @ApiPropertyOptional({ default: 1, minimum: 1, maximum: MAX_WEIGHT, description: 'Share among equal priorities' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_WEIGHT)
  weight?: number;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'claude-sonnet-4-6',
    description:
      "The model's name at this channel's provider; absent or null: the model's upstreamModel. Required for a channel " +
      "of another provider than the model's: that is how a model is allowed to fail over across providers (the " +
      "request is translated to the channel's protocol, billed at the model's prices)",
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Matches(UPSTREAM_MODEL, { message: UPSTREAM_MODEL_MESSAGE })
  upstreamModel?: string | null;
}

export class SetModelChannelsDto {
  @ApiProperty({ type: [ChannelLinkDto], description: 'Replaces every link of the model; empty unlinks them all' })
  @IsArray()
  @ArrayMaxSize(MAX_CHANNELS_PER_MODEL)
  // An entry that is an array ([[]]) would otherwise pass ValidateNested and reach the service (a 500).
  @IsObjectEach()
  @ValidateNested({ each: true })
  @Type(() => ChannelLinkDto)
  channels!: ChannelLinkDto[];
}

import { ApiProperty } from '@nestjs/swagger';
import {
  MODEL_PROVIDERS,
  type ChannelSettings,
  type CredentialStorage,
  type ModelChannelLink,
  type ModelProvider,
} from '@gw/db';

/** A channel as every answer shows it: never its credential, only that it has one and a hint. */
export class ChannelView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'openai-primary' }) name!: string;
  @ApiProperty({ enum: MODEL_PROVIDERS }) provider!: ModelProvider;
  @ApiProperty({ example: 'https://api.openai.com', description: 'Provider base URL, without the protocol path' })
  baseUrl!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ example: true, description: 'Always true: a channel cannot be saved without a credential' })
  hasApiKey!: boolean;
  @ApiProperty({ type: String, nullable: true, example: '…wxYz', description: 'Last 4 characters of a long credential' })
  apiKeyHint!: string | null;
  @ApiProperty({
    enum: ['encrypted', 'plaintext', 'unreadable'],
    description:
      'encrypted: sealed with CHANNEL_CREDENTIALS_KEY; plaintext: stored as given (no key, or written before one was ' +
      'set: save it again to seal it); unreadable: sealed under another key, the proxies leave the channel out',
  })
  apiKeyStorage!: CredentialStorage;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export function toChannelView(channel: ChannelSettings): ChannelView {
  return {
    id: channel.id,
    name: channel.name,
    provider: channel.provider,
    baseUrl: channel.baseUrl,
    enabled: channel.enabled,
    hasApiKey: true,
    apiKeyHint: channel.apiKeyHint,
    apiKeyStorage: channel.apiKeyStorage,
    createdAt: channel.createdAt.toISOString(),
    updatedAt: channel.updatedAt.toISOString(),
  };
}

export class ModelChannelView {
  @ApiProperty({ format: 'uuid' }) channelId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: MODEL_PROVIDERS }) provider!: ModelProvider;
  @ApiProperty() baseUrl!: string;
  @ApiProperty({ description: 'A disabled channel stays linked but is not used' }) enabled!: boolean;
  @ApiProperty({ example: 0, description: 'Lower is tried first' }) priority!: number;
  @ApiProperty({ example: 1, description: 'Share of traffic among channels of equal priority' }) weight!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The model's name at this channel's provider; null: the model's upstreamModel",
  })
  upstreamModel!: string | null;
}

export class ModelChannelsView {
  @ApiProperty({ example: 'openai/gpt-4.1-mini' }) modelId!: string;
  @ApiProperty({ type: [ModelChannelView], description: 'In the order the proxy tries them' })
  channels!: ModelChannelView[];
}

export function toModelChannelsView(modelId: string, links: ModelChannelLink[]): ModelChannelsView {
  return {
    modelId,
    channels: links.map((link) => ({
      channelId: link.channelId,
      name: link.name,
      provider: link.provider,
      baseUrl: link.baseUrl,
      enabled: link.enabled,
      priority: link.priority,
      weight: link.weight,
      upstreamModel: link.upstreamModel,
    })),
  };
}

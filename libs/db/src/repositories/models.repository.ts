import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';

export interface ChannelRecord {
  id: string;
  name: string;
  baseUrl: string;
  /** Provider credential: never logged, never returned by an API. */
  apiKey: string;
  priority: number;
  weight: number;
}

export interface ModelRecord {
  id: string;
  provider: 'openai' | 'anthropic';
  kind: 'chat' | 'embedding';
  upstreamModel: string;
  aliases: string[];
  inputMicrosPerMTok: bigint;
  outputMicrosPerMTok: bigint;
  cachedInputMicrosPerMTok: bigint | null;
  cacheWriteMicrosPerMTok: bigint | null;
  maxOutputTokens: number;
  contextWindow: number;
  timeoutS: number;
  enabled: boolean;
  createdAt: Date;
  /** Enabled channels, by priority then weight. */
  channels: ChannelRecord[];
}

@Injectable()
export class ModelsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findAllWithChannels(): Promise<ModelRecord[]> {
    const models = await this.prisma.model.findMany({
      orderBy: { id: 'asc' },
      include: { channels: { include: { channel: true }, orderBy: [{ priority: 'asc' }, { weight: 'desc' }] } },
    });
    return models.map(({ channels, updatedAt: _updatedAt, ...model }) => ({
      ...model,
      channels: channels
        .filter((link) => link.channel.enabled)
        .map((link) => ({
          id: link.channel.id,
          name: link.channel.name,
          baseUrl: link.channel.baseUrl,
          apiKey: link.channel.apiKey,
          priority: link.priority,
          weight: link.weight,
        })),
    }));
  }
}

import { Injectable } from '@nestjs/common';
import { ChannelCredentials, credentialHint, CredentialUnreadableError, isSealed } from '../channel-credentials';
import { PrismaService } from '../prisma.service';
import type { ModelProvider } from '../providers';
import { DbTransaction, isUniqueViolation } from '../transaction-runner';
import { afterTimePosition, Page, TimePosition, toPage } from './keyset-page';

/** How a channel's credential is kept: sealed with CHANNEL_CREDENTIALS_KEY, as given, or sealed but not openable. */
export type CredentialStorage = 'encrypted' | 'plaintext' | 'unreadable';

/** A channel as staff see it: everything but the credential, of which only a hint. */
export interface ChannelSettings {
  id: string;
  name: string;
  provider: ModelProvider;
  baseUrl: string;
  enabled: boolean;
  apiKeyHint: string | null;
  apiKeyStorage: CredentialStorage;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewChannel {
  name: string;
  provider: ModelProvider;
  baseUrl: string;
  /** The plaintext credential; sealed here before it is stored. */
  apiKey: string;
  enabled: boolean;
}

export type ChannelChanges = Partial<Pick<NewChannel, 'name' | 'baseUrl' | 'apiKey' | 'enabled'>>;

/** A model's use of a channel: lower priority first, equal priorities share by weight. */
export interface ChannelLink {
  channelId: string;
  priority: number;
  weight: number;
  /** The model's name at the channel's provider; null: the model's own upstream name. */
  upstreamModel: string | null;
}

export interface ModelChannelLink extends ChannelLink {
  name: string;
  provider: ModelProvider;
  baseUrl: string;
  enabled: boolean;
}

/** Another channel already has this name. */
export class ChannelNameTakenError extends Error {
  constructor() {
    super('channel name already used');
    this.name = 'ChannelNameTakenError';
  }
}

/**
 * A channel write that failed for another reason. Carries the database error code only: the driver's own message
 * may quote the statement's values, and one of them is a credential.
 */
export class ChannelWriteError extends Error {
  constructor(code: string | undefined) {
    super(`channel write failed (${code ?? 'no code'})`);
    this.name = 'ChannelWriteError';
  }
}

const CHANNEL_FIELDS = {
  id: true,
  name: true,
  provider: true,
  baseUrl: true,
  apiKey: true,
  enabled: true,
  createdAt: true,
  updatedAt: true,
} as const;

type ChannelRow = { id: string; name: string; provider: ModelProvider; baseUrl: string; apiKey: string } & Pick<
  ChannelSettings,
  'enabled' | 'createdAt' | 'updatedAt'
>;

/**
 * Upstream channels and their links to models. Credentials go in as plaintext and are sealed here; they never come
 * out of this repository (the proxy's catalog opens them in ModelsRepository).
 */
@Injectable()
export class ChannelsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly credentials: ChannelCredentials,
  ) {}

  async create(channel: NewChannel, tx: DbTransaction): Promise<ChannelSettings> {
    const data = { ...channel, apiKey: this.credentials.seal(channel.apiKey, channel.baseUrl) };
    return this.settings(await guarded(() => tx.channel.create({ data, select: CHANNEL_FIELDS })));
  }

  async findById(id: string, tx?: DbTransaction): Promise<ChannelSettings | null> {
    const row = await (tx ?? this.prisma).channel.findUnique({ where: { id }, select: CHANNEL_FIELDS });
    return row ? this.settings(row) : null;
  }

  /** Locks the channel's row for the transaction, so that the audit entry's "before" is what was changed. */
  async lockById(id: string, tx: DbTransaction): Promise<ChannelSettings | null> {
    await tx.$executeRaw`SELECT 1 FROM channels WHERE id = ${id}::uuid FOR UPDATE`;
    return this.findById(id, tx);
  }

  /**
   * A new base URL without a new credential re-seals the stored one for it (the seal binds the URL). Throws
   * CredentialUnreadableError when the stored one cannot be opened: staff must then send the credential again.
   * Call under lockById.
   */
  async update(id: string, changes: ChannelChanges, tx: DbTransaction): Promise<ChannelSettings> {
    const { apiKey, ...rest } = changes;
    const data: Partial<NewChannel> = { ...rest };
    if (apiKey !== undefined || changes.baseUrl !== undefined) {
      const current = await tx.channel.findUniqueOrThrow({ where: { id }, select: { apiKey: true, baseUrl: true } });
      const plaintext = apiKey ?? this.credentials.open(current.apiKey, current.baseUrl);
      data.apiKey = this.credentials.seal(plaintext, changes.baseUrl ?? current.baseUrl);
    }
    return this.settings(await guarded(() => tx.channel.update({ where: { id }, data, select: CHANNEL_FIELDS })));
  }

  async findPage(limit: number, after: TimePosition | null): Promise<Page<ChannelSettings, TimePosition>> {
    const rows = await this.prisma.channel.findMany({
      where: afterTimePosition(after),
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
      select: CHANNEL_FIELDS,
    });
    return toPage(rows.map((row) => this.settings(row)), limit, (row) => ({ createdAt: row.createdAt, id: row.id }));
  }

  /** The providers of those of `ids` that exist. */
  async findProviders(ids: string[], tx: DbTransaction): Promise<Map<string, ModelProvider>> {
    const rows = await tx.channel.findMany({ where: { id: { in: ids } }, select: { id: true, provider: true } });
    return new Map(rows.map((row) => [row.id, row.provider]));
  }

  /** A model's channels, in the order the proxy tries them (priority, then heavier weight first). */
  async findModelLinks(modelId: string, tx?: DbTransaction): Promise<ModelChannelLink[]> {
    const links = await (tx ?? this.prisma).modelChannel.findMany({
      where: { modelId },
      orderBy: [{ priority: 'asc' }, { weight: 'desc' }, { channelId: 'asc' }],
      select: {
        priority: true,
        weight: true,
        upstreamModel: true,
        channel: { select: { id: true, name: true, provider: true, baseUrl: true, enabled: true } },
      },
    });
    return links.map(({ priority, weight, upstreamModel, channel }) => ({
      channelId: channel.id,
      name: channel.name,
      provider: channel.provider,
      baseUrl: channel.baseUrl,
      enabled: channel.enabled,
      priority,
      weight,
      upstreamModel,
    }));
  }

  /** The model's links become exactly `links`. */
  async replaceModelLinks(modelId: string, links: ChannelLink[], tx: DbTransaction): Promise<void> {
    await tx.modelChannel.deleteMany({ where: { modelId } });
    if (links.length > 0) await tx.modelChannel.createMany({ data: links.map((link) => ({ modelId, ...link })) });
  }

  private settings(row: ChannelRow): ChannelSettings {
    const { apiKey: stored, ...channel } = row;
    let apiKeyHint: string | null = null;
    let apiKeyStorage: CredentialStorage = isSealed(stored) ? 'encrypted' : 'plaintext';
    try {
      apiKeyHint = credentialHint(this.credentials.open(stored, row.baseUrl));
    } catch (error) {
      if (!(error instanceof CredentialUnreadableError)) throw error;
      apiKeyStorage = 'unreadable';
    }
    return { ...channel, apiKeyHint, apiKeyStorage };
  }
}

async function guarded<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ChannelNameTakenError();
    throw new ChannelWriteError((error as { code?: string })?.code);
  }
}

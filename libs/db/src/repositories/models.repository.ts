import { Injectable, Logger } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import { formatMarkup, parseMarkup } from '@gw/common';
import { ChannelCredentials } from '../channel-credentials';
import { PrismaService } from '../prisma.service';
import type { ModelProvider } from '../providers';
import type { DbTransaction } from '../transaction-runner';
import { Page, toPage } from './keyset-page';

export interface ChannelRecord {
  id: string;
  name: string;
  baseUrl: string;
  /** Provider credential (opened, see ChannelCredentials): never logged, never returned by an API. */
  apiKey: string;
  priority: number;
  weight: number;
  /**
   * The channel's provider and the model's name there, when either differs from the model's (a link to another
   * provider's channel, or a link with a name of its own; admin API, PUT /admin/v1/models/:id/channels): the proxy
   * sends that channel the request in its provider's protocol, under that name. Absent: the model's.
   */
  provider?: ModelProvider;
  upstreamModel?: string;
}

/**
 * A model as the proxy serves it: `...MicrosPerMTok` are the CHARGED prices (upstream x markup, rounded up, with the
 * default cache prices filled in), what every request is billed at. libs/catalog builds these from the stored model
 * (`CatalogModel` adds the upstream prices, the markup and the per-account limit).
 */
export interface ModelRecord {
  id: string;
  provider: ModelProvider;
  kind: 'chat' | 'embedding';
  upstreamModel: string;
  aliases: string[];
  inputMicrosPerMTok: bigint;
  outputMicrosPerMTok: bigint;
  cachedInputMicrosPerMTok: bigint | null;
  cacheWriteMicrosPerMTok: bigint | null;
  maxOutputTokens: number;
  contextWindow: number;
  /** The model's own upstream timeout per attempt; null follows UPSTREAM_TIMEOUT_S. */
  timeoutS: number | null;
  enabled: boolean;
  createdAt: Date;
  /** Enabled channels whose credential opens, by priority then weight. */
  channels: ChannelRecord[];
}

/**
 * Charged prices pinned per kind, micro-dollars per million tokens; null: upstream x markup (the rule). A pin is what
 * the admin API stores for a charged price that no whole upstream price reaches at the markup (libs/catalog
 * modelPrices charges it; apps/admin model-changes.ts sets and clears it).
 */
export interface ChargedPricePins {
  pinnedInputMicrosPerMTok: bigint | null;
  pinnedOutputMicrosPerMTok: bigint | null;
  pinnedCachedInputMicrosPerMTok: bigint | null;
  pinnedCacheWriteMicrosPerMTok: bigint | null;
}

/**
 * A model as stored, and as the admin API reads it: `...MicrosPerMTok` are the UPSTREAM prices (what the provider
 * charges), null cache prices meaning the defaults, and `pinned...` the charged prices pinned; no channels (they hold
 * provider credentials).
 */
export interface ModelSettings extends Omit<ModelRecord, 'channels'>, ChargedPricePins {
  /** Charged = upstream x markup, a decimal string ("1.05"); null: PRICE_MARKUP. */
  markup: string | null;
  /** Requests per minute of one account on the model (0: no limit); null: DEFAULT_MODEL_RPM_PER_ACCOUNT. */
  rpmPerAccount: number | null;
}

/** A stored model with its channels, credentials opened: what libs/catalog prices into its records. */
export interface StoredModel extends ModelSettings {
  channels: ChannelRecord[];
}

/** What staff may change about a model. Upstream prices and pins in micro-dollars per million tokens. */
export type ModelChanges = Partial<
  Pick<
    ModelSettings,
    | 'aliases'
    | 'inputMicrosPerMTok'
    | 'outputMicrosPerMTok'
    | 'cachedInputMicrosPerMTok'
    | 'cacheWriteMicrosPerMTok'
    | keyof ChargedPricePins
    | 'markup'
    | 'rpmPerAccount'
    | 'maxOutputTokens'
    | 'timeoutS'
    | 'enabled'
  >
>;

const MODEL_FIELDS = {
  id: true,
  provider: true,
  kind: true,
  upstreamModel: true,
  aliases: true,
  inputMicrosPerMTok: true,
  outputMicrosPerMTok: true,
  cachedInputMicrosPerMTok: true,
  cacheWriteMicrosPerMTok: true,
  pinnedInputMicrosPerMTok: true,
  pinnedOutputMicrosPerMTok: true,
  pinnedCachedInputMicrosPerMTok: true,
  pinnedCacheWriteMicrosPerMTok: true,
  markup: true,
  rpmPerAccount: true,
  maxOutputTokens: true,
  contextWindow: true,
  timeoutS: true,
  enabled: true,
  createdAt: true,
} as const;

@Injectable()
export class ModelsRepository {
  private readonly logger = new Logger(ModelsRepository.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly credentials: ChannelCredentials,
  ) {}

  /**
   * The catalog as the proxy serves it, credentials opened. A channel whose credential does not open (sealed under
   * another key, or its base URL changed behind the admin API's back) is left out and logged, never sent anywhere.
   */
  async findAllWithChannels(): Promise<StoredModel[]> {
    const models = await this.prisma.model.findMany({
      orderBy: { id: 'asc' },
      include: {
        channels: { include: { channel: true }, orderBy: [{ priority: 'asc' }, { weight: 'desc' }, { channelId: 'asc' }] },
      },
    });
    const opened = new Map<string, string | null>();
    const open = (channel: { id: string; name: string; baseUrl: string; apiKey: string }): string | null => {
      if (!opened.has(channel.id)) {
        try {
          opened.set(channel.id, this.credentials.open(channel.apiKey, channel.baseUrl));
        } catch (error) {
          this.logger.error(`channel ${channel.id} (${channel.name}) is left out: ${(error as Error).message}`);
          opened.set(channel.id, null);
        }
      }
      return opened.get(channel.id)!;
    };
    return models.map(({ channels, updatedAt: _updatedAt, markup, ...model }) => ({
      ...model,
      markup: markupText(markup),
      channels: channels.flatMap((link) => {
        const apiKey = link.channel.enabled ? open(link.channel) : null;
        if (apiKey === null) return [];
        const { id, name, baseUrl, provider } = link.channel;
        const record: ChannelRecord = { id, name, baseUrl, apiKey, priority: link.priority, weight: link.weight };
        if (provider !== model.provider) record.provider = provider;
        if (link.upstreamModel !== null && link.upstreamModel !== model.upstreamModel) record.upstreamModel = link.upstreamModel;
        return [record];
      }),
    }));
  }


  /** By id, ascending (a catalog is small and ids are stable: the id is the position). */
  async findPage(limit: number, afterId: string | null): Promise<Page<ModelSettings, string>> {
    const rows = await this.prisma.model.findMany({
      where: afterId !== null ? { id: { gt: afterId } } : {},
      orderBy: { id: 'asc' },
      take: limit + 1,
      select: MODEL_FIELDS,
    });
    return toPage(rows.map(toSettings), limit, (row) => row.id);
  }

  async findById(id: string): Promise<ModelSettings | null> {
    const row = await this.prisma.model.findUnique({ where: { id }, select: MODEL_FIELDS });
    return row && toSettings(row);
  }

  /** Locks the model's row for the transaction, so that the audit entry's "before" is what was changed. */
  async lockById(id: string, tx: DbTransaction): Promise<ModelSettings | null> {
    await tx.$executeRaw`SELECT 1 FROM models WHERE id = ${id} FOR UPDATE`;
    const row = await tx.model.findUnique({ where: { id }, select: MODEL_FIELDS });
    return row && toSettings(row);
  }

  async update(id: string, changes: ModelChanges, tx: DbTransaction): Promise<ModelSettings> {
    return toSettings(await tx.model.update({ where: { id }, data: changes, select: MODEL_FIELDS }));
  }

  /**
   * Serializes changes of the names models answer to (ids and aliases) until `tx` ends. Each change locks only its own
   * model row, so two transactions giving two models the same alias would each check the other's old aliases, find
   * the name free, and both commit: the alias would then name two models. Taken before findClaimingNames, the second
   * change waits for the first to commit and, in its next statement (READ COMMITTED), sees the name taken.
   */
  async lockModelNames(tx: DbTransaction): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${MODEL_NAMES_LOCK})`;
  }

  /** Ids of the models, other than `exceptId`, that already answer to one of `names` (as id or alias). */
  async findClaimingNames(names: string[], exceptId: string | null, tx?: DbTransaction): Promise<string[]> {
    if (names.length === 0) return [];
    const rows = await (tx ?? this.prisma).model.findMany({
      where: {
        ...(exceptId ? { id: { not: exceptId } } : {}),
        OR: [{ id: { in: names } }, { aliases: { hasSome: names } }],
      },
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }

  /** The id of the model that answers to `name` (its id or one of its aliases), or null when none does. */
  async findIdByName(name: string): Promise<string | null> {
    const row = await this.prisma.model.findFirst({
      where: { OR: [{ id: name }, { aliases: { has: name } }] },
      orderBy: { id: 'asc' },
      select: { id: true },
    });
    return row?.id ?? null;
  }

  /** Of `names`, those that are neither a model id nor an alias. */
  async findUnknownNames(names: string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const rows = await this.prisma.model.findMany({
      where: { OR: [{ id: { in: names } }, { aliases: { hasSome: names } }] },
      select: { id: true, aliases: true },
    });
    const known = new Set(rows.flatMap((row) => [row.id, ...row.aliases]));
    return names.filter((name) => !known.has(name));
  }
}

/** The advisory lock key of lockModelNames (an arbitrary constant: "model names"). */
const MODEL_NAMES_LOCK = 0x6d6f_6465_6c4e_616dn;

type ModelRow = Omit<ModelSettings, 'markup'> & { markup: Prisma.Decimal | null };

function toSettings({ markup, ...row }: ModelRow): ModelSettings {
  return { ...row, markup: markupText(markup) };
}

/** NUMERIC(9,6) as the markup's shortest decimal ("1.05"), as it was written to the API. */
function markupText(markup: Prisma.Decimal | null): string | null {
  if (markup === null) return null;
  const millionths = parseMarkup(markup.toFixed(6));
  if (millionths === null) throw new Error(`models.markup out of range: ${markup.toFixed(6)}`);
  return formatMarkup(millionths);
}

import { Injectable } from '@nestjs/common';
import { GatewayError } from '@gw/common';
import {
  ChannelChanges,
  ChannelNameTakenError,
  ChannelsRepository,
  CredentialUnreadableError,
  DbTransaction,
  ModelsRepository,
  TransactionRunner,
} from '@gw/db';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../shared/actor';
import { CacheInvalidator } from '../shared/cache-invalidator.service';
import { conflict } from '../shared/conflict';
import { timeCursor } from '../shared/cursor';
import type { ListResponse } from '../shared/list-response';
import { PageQueryDto, pageSize } from '../shared/page-query.dto';
import { isUuid } from '../shared/uuid';
import { normalizeBaseUrl } from './base-url.validator';
import { ChannelView, ModelChannelsView, toChannelView, toModelChannelsView } from './channel.view';
import type { CreateChannelDto, SetModelChannelsDto, UpdateChannelDto } from './channels.dto';

/**
 * Upstream channels and which models use them. Credentials go in and never come out (views show a hint); every change
 * is audited in its own transaction and, once committed, every proxy reloads its catalog.
 */
@Injectable()
export class ChannelsService {
  constructor(
    private readonly channels: ChannelsRepository,
    private readonly models: ModelsRepository,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly invalidator: CacheInvalidator,
  ) {}

  async list(query: PageQueryDto): Promise<ListResponse<ChannelView>> {
    const page = await this.channels.findPage(pageSize(query), timeCursor.decode(query.cursor));
    return { data: page.items.map(toChannelView), nextCursor: timeCursor.encode(page.next) };
  }

  async get(id: string): Promise<ChannelView> {
    const channel = isUuid(id) ? await this.channels.findById(id) : null;
    if (!channel) throw channelNotFound(id);
    return toChannelView(channel);
  }

  /** Not used by any model until linked to one, so the proxies need not hear of it. */
  async create(actor: Actor, dto: CreateChannelDto): Promise<ChannelView> {
    return nameTaken(dto.name, () =>
      this.transactions.run(async (tx) => {
        const channel = {
          name: dto.name,
          provider: dto.provider,
          baseUrl: normalizeBaseUrl(dto.baseUrl)!,
          apiKey: dto.apiKey,
          enabled: dto.enabled ?? true,
        };
        const view = toChannelView(await this.channels.create(channel, tx));
        await this.audit.record(actor, { action: 'channel.create', target: `channel:${view.id}`, before: null, after: view }, tx);
        return view;
      }),
    );
  }

  async update(actor: Actor, id: string, dto: UpdateChannelDto): Promise<ChannelView> {
    if (!isUuid(id)) throw channelNotFound(id);
    if (dto.id !== undefined && dto.id !== id) {
      throw GatewayError.invalidRequest("Invalid value for 'id': a channel's id cannot be changed (it must match the path)");
    }
    const changes: ChannelChanges = {};
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.baseUrl !== undefined) changes.baseUrl = normalizeBaseUrl(dto.baseUrl)!;
    if (dto.apiKey !== undefined) changes.apiKey = dto.apiKey;
    if (dto.enabled !== undefined) changes.enabled = dto.enabled;
    const view = await nameTaken(dto.name ?? '', () =>
      this.transactions.run(async (tx) => {
        const channel = await this.channels.lockById(id, tx);
        if (!channel) throw channelNotFound(id);
        if (dto.provider !== undefined && dto.provider !== channel.provider) {
          throw GatewayError.invalidRequest("Invalid value for 'provider': a channel's provider cannot be changed");
        }
        if (Object.keys(changes).length === 0) return null;
        const before = toChannelView(channel);
        const after = toChannelView(await this.updateChannel(id, changes, tx));
        // Views never show the credential; the entry still says that it was replaced.
        const recorded = changes.apiKey === undefined ? after : { ...after, apiKeyReplaced: true };
        await this.audit.record(actor, { action: 'channel.update', target: `channel:${id}`, before, after: recorded }, tx);
        return after;
      }),
    );
    if (view === null) return this.get(id);
    await this.invalidator.catalog();
    return view;
  }

  async modelChannels(modelId: string): Promise<ModelChannelsView> {
    if (!(await this.models.findById(modelId))) throw modelNotFound(modelId);
    return toModelChannelsView(modelId, await this.channels.findModelLinks(modelId));
  }

  /**
   * The model's channels become exactly the ones sent, each once. A channel of another provider than the model's needs
   * the model's name there (`upstreamModel`): the proxy then fails over to it with the request translated.
   */
  async setModelChannels(actor: Actor, modelId: string, dto: SetModelChannelsDto): Promise<ModelChannelsView> {
    const links = dto.channels.map((link) => ({
      channelId: link.channelId,
      priority: link.priority ?? 0,
      weight: link.weight ?? 1,
      upstreamModel: link.upstreamModel ?? null,
    }));
    const ids = links.map((link) => link.channelId);
    const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
    if (duplicate) throw GatewayError.invalidRequest(`Invalid value for 'channels': channel '${duplicate}' is listed twice`);
    const view = await this.transactions.run(async (tx) => {
      const model = await this.models.lockById(modelId, tx);
      if (!model) throw modelNotFound(modelId);
      const providers = await this.channels.findProviders(ids, tx);
      for (const [index, id] of ids.entries()) {
        const provider = providers.get(id);
        if (!provider) throw GatewayError.invalidRequest(`Invalid value for 'channels.${index}.channelId': no channel '${id}'`);
        if (links[index].upstreamModel !== null && model.kind !== 'chat') {
          throw GatewayError.invalidRequest(
            `Invalid value for 'channels.${index}.upstreamModel': only a chat model's links may name it (${modelId} is a ${model.kind} model)`,
          );
        }
        // Another provider's channel is a deliberate choice: staff name the model as that provider knows it.
        if (provider !== model.provider && links[index].upstreamModel === null) {
          throw GatewayError.invalidRequest(
            `Invalid value for 'channels.${index}.upstreamModel': channel '${id}' is of provider ${provider}, the model ` +
              `of ${model.provider}: name the model at ${provider} to allow failover across providers`,
          );
        }
      }
      const before = toModelChannelsView(modelId, await this.channels.findModelLinks(modelId, tx));
      await this.channels.replaceModelLinks(modelId, links, tx);
      const after = toModelChannelsView(modelId, await this.channels.findModelLinks(modelId, tx));
      await this.audit.record(actor, { action: 'model.channels', target: `model:${modelId}`, before, after }, tx);
      return after;
    });
    await this.invalidator.catalog();
    return view;
  }

  private async updateChannel(id: string, changes: ChannelChanges, tx: DbTransaction) {
    try {
      return await this.channels.update(id, changes, tx);
    } catch (error) {
      if (error instanceof CredentialUnreadableError) {
        throw conflict(
          "Invalid value for 'baseUrl': the stored credential cannot be read with this deployment's " +
            'CHANNEL_CREDENTIALS_KEY, so it cannot move to a new base URL: send apiKey with it',
        );
      }
      throw error;
    }
  }
}

async function nameTaken<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ChannelNameTakenError) throw conflict(`Invalid value for 'name': a channel named '${name}' exists`);
    throw error;
  }
}

function channelNotFound(id: string): GatewayError {
  return GatewayError.notFound(`Channel '${id.slice(0, 64)}' not found`);
}

function modelNotFound(id: string): GatewayError {
  return GatewayError.notFound(`Model '${id.slice(0, 200)}' not found`);
}

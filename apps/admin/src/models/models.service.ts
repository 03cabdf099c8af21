import { Inject, Injectable } from '@nestjs/common';
import { GatewayError } from '@gw/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { ModelChanges, ModelSettings, ModelsRepository, TransactionRunner } from '@gw/db';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../shared/actor';
import { CacheInvalidator } from '../shared/cache-invalidator.service';
import { conflict } from '../shared/conflict';
import { textCursor } from '../shared/cursor';
import type { ListResponse } from '../shared/list-response';
import { PageQueryDto, pageSize } from '../shared/page-query.dto';
import { usdStringToMicros } from '../shared/usd-amount.validator';
import { ModelView, toModelView } from './model.view';
import { PRICE_BOUNDS, UpdateModelDto } from './models.dto';

@Injectable()
export class ModelsService {
  constructor(
    private readonly models: ModelsRepository,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly invalidator: CacheInvalidator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private view(model: ModelSettings): ModelView {
    return toModelView(model, this.config.proxy.upstreamTimeoutS);
  }

  async list(query: PageQueryDto): Promise<ListResponse<ModelView>> {
    const page = await this.models.findPage(pageSize(query), textCursor.decode(query.cursor));
    return { data: page.items.map((model) => this.view(model)), nextCursor: textCursor.encode(page.next) };
  }

  /** Prices and limits; every proxy reloads its catalog once this commits, so the next request uses them. */
  async update(actor: Actor, id: string, dto: UpdateModelDto): Promise<ModelView> {
    if (dto.id !== undefined && dto.id !== id) {
      throw GatewayError.invalidRequest(
        "Invalid value for 'id': a model's id cannot be changed (it must match the path)",
      );
    }
    const view = await this.transactions.run(async (tx) => {
      const model = await this.models.lockById(id, tx);
      if (!model) throw GatewayError.notFound(`Model '${id.slice(0, 200)}' not found`);
      if (dto.provider !== undefined && dto.provider !== model.provider) {
        throw GatewayError.invalidRequest("Invalid value for 'provider': a model's provider cannot be changed");
      }
      const changes = toChanges(dto, model, this.config.proxy.upstreamTimeoutS);
      if (changes.aliases) {
        const [claimedBy] = await this.models.findClaimingNames(changes.aliases, id, tx);
        if (claimedBy) throw conflict(`Invalid value for 'aliases': a name is already used by model '${claimedBy}'`);
      }
      if (Object.keys(changes).length === 0) return this.view(model);
      const before = this.view(model);
      const after = this.view(await this.models.update(id, changes, tx));
      await this.audit.record(actor, { action: 'model.update', target: `model:${id}`, before, after }, tx);
      return after;
    });
    await this.invalidator.catalog();
    return view;
  }
}

function toChanges(dto: UpdateModelDto, model: ModelSettings, defaultTimeoutS: number): ModelChanges {
  const changes: ModelChanges = {};
  if (dto.aliases !== undefined) changes.aliases = [...new Set(dto.aliases)];
  if (dto.inputUsdPerMTok !== undefined) changes.inputMicrosPerMTok = price(dto.inputUsdPerMTok);
  if (dto.outputUsdPerMTok !== undefined) changes.outputMicrosPerMTok = price(dto.outputUsdPerMTok);
  if (dto.cachedInputUsdPerMTok !== undefined) {
    changes.cachedInputMicrosPerMTok = dto.cachedInputUsdPerMTok === null ? null : price(dto.cachedInputUsdPerMTok);
  }
  if (dto.maxOutputTokens !== undefined) changes.maxOutputTokens = dto.maxOutputTokens;
  // GET shows the default for a model without a timeout of its own: that value sent back keeps it on the default.
  const timeoutS = model.timeoutS === null && dto.timeoutS === defaultTimeoutS ? null : dto.timeoutS;
  if (timeoutS !== undefined && timeoutS !== model.timeoutS) changes.timeoutS = timeoutS;
  if (dto.enabled !== undefined) changes.enabled = dto.enabled;
  return changes;
}

function price(value: string): bigint {
  const micros = usdStringToMicros(value, PRICE_BOUNDS);
  if (micros === null) throw GatewayError.invalidRequest(`Invalid price '${value}'`);
  return micros;
}

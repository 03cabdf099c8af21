import { Inject, Injectable } from '@nestjs/common';
import { GatewayError } from '@gw/common';
import { modelDefaults } from '@gw/catalog';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { ModelSettings, ModelsRepository, TransactionRunner } from '@gw/db';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../shared/actor';
import { CacheInvalidator } from '../shared/cache-invalidator.service';
import { conflict } from '../shared/conflict';
import { textCursor } from '../shared/cursor';
import type { ListResponse } from '../shared/list-response';
import { PageQueryDto, pageSize } from '../shared/page-query.dto';
import { modelChanges } from './model-changes';
import { ModelView, ModelViewDefaults, toAuditedModel, toModelView } from './model.view';
import type { UpdateModelDto } from './models.dto';

@Injectable()
export class ModelsService {
  private readonly defaults: ModelViewDefaults;

  constructor(
    private readonly models: ModelsRepository,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly invalidator: CacheInvalidator,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.defaults = { ...modelDefaults(config), timeoutS: config.proxy.upstreamTimeoutS };
  }

  private view(model: ModelSettings): ModelView {
    return toModelView(model, this.defaults);
  }

  async list(query: PageQueryDto): Promise<ListResponse<ModelView>> {
    const page = await this.models.findPage(pageSize(query), textCursor.decode(query.cursor));
    return { data: page.items.map((model) => this.view(model)), nextCursor: textCursor.encode(page.next) };
  }

  /** One model as the list shows it (spec/policy.md: rpmPerAccount, markup and upstream prices on GET /models/:id). */
  async get(id: string): Promise<ModelView> {
    const model = await this.models.findById(id);
    if (!model) throw GatewayError.notFound(`Model '${id.slice(0, 200)}' not found`);
    return this.view(model);
  }

  /** Prices, markup and limits; every proxy reloads its catalog once this commits, so the next request uses them. */
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
      const changes = modelChanges(dto, model, this.defaults);
      if (changes.aliases) {
        await this.models.lockModelNames(tx);
        const [claimedBy] = await this.models.findClaimingNames(changes.aliases, id, tx);
        if (claimedBy) throw conflict(`Invalid value for 'aliases': a name is already used by model '${claimedBy}'`);
      }
      if (Object.keys(changes).length === 0) return this.view(model);
      const updated = await this.models.update(id, changes, tx);
      // The views, with the charged prices the model pins (if any) shown as such.
      const before = toAuditedModel(model, this.defaults);
      const after = toAuditedModel(updated, this.defaults);
      await this.audit.record(actor, { action: 'model.update', target: `model:${id}`, before, after }, tx);
      return this.view(updated);
    });
    await this.invalidator.catalog();
    return view;
  }
}


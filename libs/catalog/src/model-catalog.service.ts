import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { ModelsRepository } from '@gw/db';
import { CacheInvalidationBus } from '@gw/redis';
import { CatalogModel, modelDefaults, toCatalogModel } from './model-prices';

/**
 * The model catalog (ids, aliases, prices, channels) held in memory by every proxy instance: a request never reads it
 * from the database. Its records carry the charged prices (upstream x markup) where the billing path reads prices, and
 * the upstream prices beside them. Admin changes publish a 'model' invalidation; the catalog reloads at once and serves the previous
 * snapshot until the new one is in. A TTL refresh covers any missed message.
 */
/** How often a lookup miss may reload the catalog on its own. */
export const MISS_RELOAD_INTERVAL_MS = 1_000;

@Injectable()
export class ModelCatalog implements OnModuleInit {
  private readonly logger = new Logger(ModelCatalog.name);
  private byName = new Map<string, CatalogModel>();
  private models: CatalogModel[] = [];
  private loadedAt = 0;
  private loading: Promise<void> | null = null;
  private stale = false;
  private lastMissReloadAt = 0;

  constructor(
    private readonly repository: ModelsRepository,
    private readonly bus: CacheInvalidationBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.bus.on('model', () => {
      this.stale = true;
      void this.reload();
    });
    await this.reload();
  }

  /** By canonical id ("openai/gpt-4.1-mini") or alias ("gpt-4.1-mini"); disabled models resolve too (callers decide). */
  resolve(name: string): CatalogModel | undefined {
    this.refreshIfExpired();
    return this.byName.get(name);
  }

  /**
   * resolve(), for a name the snapshot lacks: it may be a model created a moment ago whose invalidation is on its way
   * or being applied. Waits for the reload in progress, or starts one (at most one per MISS_RELOAD_INTERVAL_MS, so
   * unknown names cannot hammer the database), then looks again.
   */
  async resolveAfterReload(name: string): Promise<CatalogModel | undefined> {
    const known = this.resolve(name);
    if (known) return known;
    const now = Date.now();
    if (this.loading || now - this.lastMissReloadAt >= MISS_RELOAD_INTERVAL_MS) {
      if (!this.loading) this.lastMissReloadAt = now;
      // A failed reload keeps the last snapshot (and logs); the lookup below answers from it.
      await this.reload().catch(() => undefined);
    }
    return this.byName.get(name);
  }

  all(): readonly CatalogModel[] {
    this.refreshIfExpired();
    return this.models;
  }

  /** Waits for a reload in progress (tests and start-up). */
  async ready(): Promise<void> {
    if (this.loading) await this.loading;
  }

  private refreshIfExpired(): void {
    if (Date.now() - this.loadedAt > this.config.cache.ttlMs) void this.reload();
  }

  private reload(): Promise<void> {
    if (this.loading) {
      // A change arrived during a load that may have read the old rows: load once more after it.
      return this.loading.then(() => (this.stale ? this.reload() : undefined));
    }
    this.stale = false;
    this.loading = this.repository
      .findAllWithChannels()
      .then((stored) => {
        const defaults = modelDefaults(this.config);
        const models = stored.map((model) => toCatalogModel(model, defaults));
        const byName = new Map<string, CatalogModel>();
        for (const model of models) {
          byName.set(model.id, model);
          for (const alias of model.aliases) if (!byName.has(alias)) byName.set(alias, model);
        }
        this.models = models;
        this.byName = byName;
        this.loadedAt = Date.now();
      })
      .catch((error: unknown) => {
        // Keep serving the last good snapshot; the next request past the TTL tries again.
        this.loadedAt = Date.now() - this.config.cache.ttlMs + 1_000;
        this.logger.error(`model catalog reload failed: ${(error as Error).message}`);
        if (this.models.length === 0) throw error;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }
}

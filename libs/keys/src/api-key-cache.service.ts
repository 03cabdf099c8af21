import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { ApiKeyAuthRecord, ApiKeysRepository } from '@gw/db';
import { CacheInvalidationBus } from '@gw/redis';

interface Entry {
  record: ApiKeyAuthRecord | null;
  expiresAt: number;
}

/** Unknown keys are remembered briefly so that a flood of bad keys does not become a flood of queries. */
const NEGATIVE_TTL_MS = 5_000;
/** Bounded so that random keys cannot grow the process without limit. */
const MAX_ENTRIES = 100_000;

/**
 * Key hash -> key record, in memory, so authentication costs no database read per request. Admin changes (status,
 * revocation, allowed models, RPM override, policy, expiry) publish an 'api-key' invalidation, and changes of an
 * account's limits an 'account' one (dropping the records of all its keys), that every instance applies within
 * milliseconds; the TTL is the safety net.
 */
@Injectable()
export class ApiKeyCache implements OnModuleInit {
  private readonly entries = new Map<string, Entry>();
  private readonly hashById = new Map<string, string>();
  /** Account id -> hashes of its cached keys, for 'account' invalidations. */
  private readonly hashesByAccount = new Map<string, Set<string>>();
  private readonly loading = new Map<string, Promise<ApiKeyAuthRecord | null>>();
  /** Bumped on every invalidation, so that a load that raced with one is not cached. */
  private generation = 0;

  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly bus: CacheInvalidationBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.bus.on('api-key', (id) => this.invalidate(id));
    this.bus.on('account', (id) => this.invalidateAccount(id));
  }

  async get(keyHash: string): Promise<ApiKeyAuthRecord | null> {
    const entry = this.entries.get(keyHash);
    if (entry && entry.expiresAt > Date.now()) return entry.record;
    const inFlight = this.loading.get(keyHash);
    if (inFlight) return inFlight;
    const generation = this.generation;
    const load = this.repository.findForAuth(keyHash).finally(() => this.loading.delete(keyHash));
    this.loading.set(keyHash, load);
    const record = await load;
    if (generation === this.generation) this.store(keyHash, record);
    return record;
  }

  /** The cached record without loading it: undefined when it is not in the cache (or its entry is stale). */
  peek(keyHash: string): ApiKeyAuthRecord | null | undefined {
    const entry = this.entries.get(keyHash);
    return entry && entry.expiresAt > Date.now() ? entry.record : undefined;
  }

  invalidate(id: string): void {
    this.generation++;
    if (id === '*') {
      this.clear();
      return;
    }
    const hash = this.hashById.get(id);
    if (hash) this.forget(hash);
    // A key created a moment ago may be remembered as unknown: forget every negative entry.
    for (const [key, entry] of this.entries) if (entry.record === null) this.entries.delete(key);
  }

  /** An account's limits changed: every record of its keys carries them, so each is reloaded on its next use. */
  invalidateAccount(accountId: string): void {
    this.generation++;
    if (accountId === '*') {
      this.clear();
      return;
    }
    for (const hash of [...(this.hashesByAccount.get(accountId) ?? [])]) this.forget(hash);
  }

  private store(keyHash: string, record: ApiKeyAuthRecord | null): void {
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.forget(oldest);
    }
    const ttl = record ? this.config.cache.ttlMs : Math.min(NEGATIVE_TTL_MS, this.config.cache.ttlMs);
    this.entries.set(keyHash, { record, expiresAt: Date.now() + ttl });
    if (!record) return;
    this.hashById.set(record.id, keyHash);
    const hashes = this.hashesByAccount.get(record.accountId) ?? new Set<string>();
    this.hashesByAccount.set(record.accountId, hashes.add(keyHash));
  }

  /** Drops one entry and its index entries. */
  private forget(keyHash: string): void {
    const record = this.entries.get(keyHash)?.record;
    this.entries.delete(keyHash);
    if (!record) return;
    if (this.hashById.get(record.id) === keyHash) this.hashById.delete(record.id);
    const hashes = this.hashesByAccount.get(record.accountId);
    hashes?.delete(keyHash);
    if (hashes?.size === 0) this.hashesByAccount.delete(record.accountId);
  }

  private clear(): void {
    this.entries.clear();
    this.hashById.clear();
    this.hashesByAccount.clear();
  }
}

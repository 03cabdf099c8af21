import { Injectable } from '@nestjs/common';
import { displayPrefix, GatewayError, generateApiKey, sha256Hex } from '@gw/common';
import {
  AccountsRepository,
  ApiKeyChanges,
  ApiKeyRecord,
  ApiKeysRepository,
  DbTransaction,
  ModelsRepository,
  TransactionRunner,
} from '@gw/db';
import { accountNotFound } from '../accounts/accounts.service';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../shared/actor';
import { CacheInvalidator } from '../shared/cache-invalidator.service';
import { conflict } from '../shared/conflict';
import { timeCursor } from '../shared/cursor';
import type { ListResponse } from '../shared/list-response';
import { pageSize } from '../shared/page-query.dto';
import { parseTimestamp } from '../shared/timestamp.validator';
import { isUuid } from '../shared/uuid';
import { usdStringToMicros } from '../shared/usd-amount.validator';
import { ApiKeyView, CreatedApiKeyView, toApiKeyView } from './api-key.view';
import { assertMayPatch } from './api-key-patch.policy';
import { DAILY_LIMIT_BOUNDS, type CreateApiKeyDto, type ListApiKeysQueryDto, type UpdateApiKeyDto } from './api-keys.dto';
import { canonicalIpAllowlist } from './ip-allowlist.validator';

/**
 * Keys: created with the plaintext shown once (only its SHA-256 is stored), changed under a row lock with an audit
 * entry in the same transaction, and every change announced to the proxies once committed.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly accounts: AccountsRepository,
    private readonly models: ModelsRepository,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly invalidator: CacheInvalidator,
  ) {}

  async create(actor: Actor, dto: CreateApiKeyDto): Promise<CreatedApiKeyView> {
    if (!(await this.accounts.exists(dto.accountId))) throw accountNotFound(dto.accountId);
    const allowedModels = await this.checkedModels(dto.allowedModels ?? []);
    const expiresAt = parseTimestamp(dto.expiresAt);
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw GatewayError.invalidRequest("Invalid value for 'expiresAt': must be in the future");
    }
    const key = generateApiKey();
    const view = await this.transactions.run(async (tx) => {
      const created = toApiKeyView(
        await this.keys.create(
          {
            accountId: dto.accountId,
            name: dto.name,
            keyHash: sha256Hex(key),
            prefix: displayPrefix(key),
            allowedModels,
            rpmLimit: dto.rpmLimit ?? null,
            ipAllowlist: canonicalIpAllowlist(dto.ipAllowlist ?? []),
            dailyLimitMicros: dailyLimitMicros(dto.dailyLimitUsd),
            tpmLimit: dto.tpmLimit ?? null,
            expiresAt,
          },
          tx,
        ),
      );
      await this.audit.record(
        actor,
        { action: 'api_key.create', target: `api_key:${created.id}`, before: null, after: created },
        tx,
      );
      return created;
    });
    // A proxy may remember this key's hash as unknown (someone tried it before it existed): forget that.
    await this.invalidator.apiKey(view.id);
    return { ...view, key };
  }

  async list(query: ListApiKeysQueryDto): Promise<ListResponse<ApiKeyView>> {
    const page = await this.keys.findPage(
      { accountId: query.accountId },
      pageSize(query),
      timeCursor.decode(query.cursor),
    );
    return { data: page.items.map(toApiKeyView), nextCursor: timeCursor.encode(page.next) };
  }

  async get(id: string): Promise<ApiKeyView> {
    const key = isUuid(id) ? await this.keys.findById(id) : null;
    if (!key) throw keyNotFound(id);
    return toApiKeyView(key);
  }

  async update(actor: Actor, id: string, dto: UpdateApiKeyDto): Promise<ApiKeyView> {
    assertMayPatch(actor, dto);
    const changes: ApiKeyChanges = {};
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.status !== undefined) changes.status = dto.status;
    if (dto.allowedModels !== undefined) changes.allowedModels = await this.checkedModels(dto.allowedModels);
    if (dto.expiresAt !== undefined) changes.expiresAt = parseTimestamp(dto.expiresAt);
    if (dto.ipAllowlist !== undefined) changes.ipAllowlist = canonicalIpAllowlist(dto.ipAllowlist);
    if (dto.dailyLimitUsd !== undefined) changes.dailyLimitMicros = dailyLimitMicros(dto.dailyLimitUsd);
    if (dto.tpmLimit !== undefined) changes.tpmLimit = dto.tpmLimit;
    return this.change(actor, id, 'api_key.update', changes);
  }

  async setRpmLimit(actor: Actor, id: string, rpm: number | null): Promise<ApiKeyView> {
    return this.change(actor, id, 'api_key.rpm_limit', { rpmLimit: rpm });
  }

  /** Revoked for good; revoking a revoked key again changes (and records) nothing. */
  async revoke(actor: Actor, id: string): Promise<void> {
    await this.withLockedKey(id, async (key, tx) => {
      if (key.status === 'revoked') return;
      const after = await this.keys.update(id, { status: 'revoked', revokedAt: new Date() }, tx);
      await this.record(actor, 'api_key.revoke', key, after, tx);
    });
    await this.invalidator.apiKey(id);
  }

  private async change(actor: Actor, id: string, action: string, changes: ApiKeyChanges): Promise<ApiKeyView> {
    const view = await this.withLockedKey(id, async (key, tx) => {
      if (key.status === 'revoked') throw conflict(`API key '${id}' is revoked: a revoked key cannot be changed`);
      if (Object.keys(changes).length === 0) return toApiKeyView(key);
      const after = await this.keys.update(id, changes, tx);
      await this.record(actor, action, key, after, tx);
      return toApiKeyView(after);
    });
    await this.invalidator.apiKey(id);
    return view;
  }

  private withLockedKey<T>(id: string, work: (key: ApiKeyRecord, tx: DbTransaction) => Promise<T>): Promise<T> {
    if (!isUuid(id)) throw keyNotFound(id);
    return this.transactions.run(async (tx) => {
      const key = await this.keys.lockById(id, tx);
      if (!key) throw keyNotFound(id);
      return work(key, tx);
    });
  }

  private record(actor: Actor, action: string, before: ApiKeyRecord, after: ApiKeyRecord, tx: DbTransaction) {
    return this.audit.record(
      actor,
      { action, target: `api_key:${before.id}`, before: toApiKeyView(before), after: toApiKeyView(after) },
      tx,
    );
  }

  /** Each name must be a model id or alias the catalog knows (a typo would silently lock the key out). */
  private async checkedModels(names: string[]): Promise<string[]> {
    const unique = [...new Set(names)];
    const [unknown] = await this.models.findUnknownNames(unique);
    if (unknown !== undefined) {
      throw GatewayError.invalidRequest(`Invalid value for 'allowedModels': unknown model '${unknown.slice(0, 200)}'`);
    }
    return unique;
  }
}

/** The validated daily limit in micro-dollars (null: no cap). */
function dailyLimitMicros(usd: string | null | undefined): bigint | null {
  return usd === undefined || usd === null ? null : usdStringToMicros(usd, DAILY_LIMIT_BOUNDS);
}

export function keyNotFound(id: string): GatewayError {
  return GatewayError.notFound(`API key '${id.slice(0, 64)}' not found`);
}

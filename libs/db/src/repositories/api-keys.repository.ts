import { Injectable } from '@nestjs/common';
import { IpAllowlist } from '@gw/common';
import { PrismaService } from '../prisma.service';
import type { DbTransaction } from '../transaction-runner';
import { afterTimePosition, Page, TimePosition, toPage } from './keyset-page';

/** What the proxy needs to authorise a request with a key. */
export interface ApiKeyAuthRecord {
  id: string;
  accountId: string;
  status: 'active' | 'disabled' | 'revoked';
  accountActive: boolean;
  allowedModels: string[];
  /** Requests per minute; null: the account's rpmLimit, else DEFAULT_RPM. */
  rpmLimit: number | null;
  expiresAt: Date | null;
  /** Client addresses and CIDR ranges (canonical form) the key may be used from; empty: any address. */
  ipAllowlist: string[];
  /** `ipAllowlist` compiled once per record: `allowedIps.allows(clientAddress)` per request. */
  allowedIps: IpAllowlist;
  /** Most the key may spend per UTC day (settled charges plus open holds), micro-dollars; null: no cap. */
  dailyLimitMicros: bigint | null;
  /** Tokens per minute (input + output); null: no limit. */
  tpmLimit: number | null;
  /**
   * The account's limits (null: the defaults): `rpmLimit` for its keys without one of their own, `accountRpmLimit` for
   * all its keys together. A change publishes an 'account' invalidation, which drops the records of its keys.
   */
  account: { rpmLimit: number | null; accountRpmLimit: number | null };
}

export type ApiKeyStatus = 'active' | 'disabled' | 'revoked';

/** A key as staff see it: never the plaintext, never the hash. */
export interface ApiKeyRecord {
  id: string;
  accountId: string;
  name: string;
  prefix: string;
  status: ApiKeyStatus;
  allowedModels: string[];
  rpmLimit: number | null;
  ipAllowlist: string[];
  dailyLimitMicros: bigint | null;
  tpmLimit: number | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

/** A key's policy: where it may be used from and how much it may spend and use (spec/policy.md, "Per-key policy"). */
export type ApiKeyPolicy = Pick<ApiKeyRecord, 'ipAllowlist' | 'dailyLimitMicros' | 'tpmLimit'>;

export interface NewApiKey extends ApiKeyPolicy {
  accountId: string;
  name: string;
  keyHash: string;
  prefix: string;
  allowedModels: string[];
  rpmLimit: number | null;
  expiresAt: Date | null;
}

export type ApiKeyChanges = Partial<
  Pick<
    ApiKeyRecord,
    'name' | 'status' | 'allowedModels' | 'rpmLimit' | 'ipAllowlist' | 'dailyLimitMicros' | 'tpmLimit' | 'expiresAt' | 'revokedAt'
  >
>;

const KEY_FIELDS = {
  id: true,
  accountId: true,
  name: true,
  prefix: true,
  status: true,
  allowedModels: true,
  rpmLimit: true,
  ipAllowlist: true,
  dailyLimitMicros: true,
  tpmLimit: true,
  expiresAt: true,
  revokedAt: true,
  createdAt: true,
} as const;

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findForAuth(keyHash: string): Promise<ApiKeyAuthRecord | null> {
    const key = await this.prisma.apiKey.findUnique({
      where: { keyHash },
      select: {
        id: true,
        accountId: true,
        status: true,
        allowedModels: true,
        rpmLimit: true,
        expiresAt: true,
        ipAllowlist: true,
        dailyLimitMicros: true,
        tpmLimit: true,
        account: { select: { status: true, rpmLimit: true, accountRpmLimit: true } },
      },
    });
    if (!key) return null;
    return {
      id: key.id,
      accountId: key.accountId,
      status: key.status,
      accountActive: key.account.status === 'active',
      allowedModels: key.allowedModels,
      rpmLimit: key.rpmLimit,
      expiresAt: key.expiresAt,
      ipAllowlist: key.ipAllowlist,
      allowedIps: IpAllowlist.compile(key.ipAllowlist),
      dailyLimitMicros: key.dailyLimitMicros,
      tpmLimit: key.tpmLimit,
      account: { rpmLimit: key.account.rpmLimit, accountRpmLimit: key.account.accountRpmLimit },
    };
  }

  async create(key: NewApiKey, tx: DbTransaction): Promise<ApiKeyRecord> {
    return tx.apiKey.create({ data: key, select: KEY_FIELDS });
  }

  async findById(id: string, tx?: DbTransaction): Promise<ApiKeyRecord | null> {
    return (tx ?? this.prisma).apiKey.findUnique({ where: { id }, select: KEY_FIELDS });
  }

  /** Locks the key's row for the transaction: concurrent changes (a PATCH racing a revocation) apply one at a time. */
  async lockById(id: string, tx: DbTransaction): Promise<ApiKeyRecord | null> {
    await tx.$executeRaw`SELECT 1 FROM api_keys WHERE id = ${id}::uuid FOR UPDATE`;
    return this.findById(id, tx);
  }

  async update(id: string, changes: ApiKeyChanges, tx: DbTransaction): Promise<ApiKeyRecord> {
    return tx.apiKey.update({ where: { id }, data: changes, select: KEY_FIELDS });
  }

  async findPage(
    filter: { accountId?: string },
    limit: number,
    after: TimePosition | null,
  ): Promise<Page<ApiKeyRecord, TimePosition>> {
    const rows = await this.prisma.apiKey.findMany({
      where: { ...(filter.accountId ? { accountId: filter.accountId } : {}), ...afterTimePosition(after) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
      select: KEY_FIELDS,
    });
    return toPage(rows, limit, (row) => ({ createdAt: row.createdAt, id: row.id }));
  }
}

import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { DbTransaction } from '../transaction-runner';
import { afterTimePosition, Page, TimePosition, toPage } from './keyset-page';

export interface AccountRecord {
  id: string;
  name: string;
  email: string | null;
  status: 'active' | 'suspended';
  /** Spendable: net of open reservations (see the Account model). */
  balanceMicros: bigint;
  reservedMicros: bigint;
  /** Requests per minute of each of its keys without a limit of their own; null: DEFAULT_RPM. */
  rpmLimit: number | null;
  /** Requests per minute of all its keys together; null: twice the requesting key's effective limit. */
  accountRpmLimit: number | null;
  createdAt: Date;
}

export type AccountRpmLimits = Pick<AccountRecord, 'rpmLimit' | 'accountRpmLimit'>;

const ACCOUNT_FIELDS = {
  id: true,
  name: true,
  email: true,
  status: true,
  balanceMicros: true,
  reservedMicros: true,
  rpmLimit: true,
  accountRpmLimit: true,
  createdAt: true,
} as const;

@Injectable()
export class AccountsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(account: { name: string; email: string | null }, tx: DbTransaction): Promise<AccountRecord> {
    return tx.account.create({ data: account, select: ACCOUNT_FIELDS });
  }

  async findById(id: string, tx?: DbTransaction): Promise<AccountRecord | null> {
    return (tx ?? this.prisma).account.findUnique({ where: { id }, select: ACCOUNT_FIELDS });
  }

  /** Locks the account's row for the transaction: concurrent changes apply one at a time, audited in order. */
  async lockById(id: string, tx: DbTransaction): Promise<AccountRecord | null> {
    await tx.$executeRaw`SELECT 1 FROM accounts WHERE id = ${id}::uuid FOR UPDATE`;
    return this.findById(id, tx);
  }

  async updateRpmLimits(id: string, limits: Partial<AccountRpmLimits>, tx: DbTransaction): Promise<AccountRecord> {
    return tx.account.update({ where: { id }, data: limits, select: ACCOUNT_FIELDS });
  }

  /** Spendable balances (net of open holds) of these accounts, as PostgreSQL keeps them. */
  async findSpendableBalances(ids: readonly string[]): Promise<Map<string, bigint>> {
    const rows = await this.prisma.account.findMany({ where: { id: { in: [...ids] } }, select: { id: true, balanceMicros: true } });
    return new Map(rows.map((row) => [row.id, row.balanceMicros]));
  }

  async exists(id: string, tx?: DbTransaction): Promise<boolean> {
    return (await (tx ?? this.prisma).account.count({ where: { id } })) > 0;
  }

  /** Newest first; `search` keeps the accounts whose name or email contains it, ignoring case. */
  async findPage(
    limit: number,
    after: TimePosition | null,
    filter: { search?: string } = {},
  ): Promise<Page<AccountRecord, TimePosition>> {
    const rows = await this.prisma.account.findMany({
      where: { AND: [afterTimePosition(after), filter.search ? nameOrEmailContains(filter.search) : {}] },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
      select: ACCOUNT_FIELDS,
    });
    return toPage(rows, limit, (row) => ({ createdAt: row.createdAt, id: row.id }));
  }
}

/**
 * Prisma turns `contains` into (I)LIKE without escaping the pattern (prisma/prisma#19506): escape `%`, `_` and the
 * escape character itself, so that they match literally.
 */
function nameOrEmailContains(text: string): object {
  const pattern = text.replace(/[\\%_]/g, (character) => `\\${character}`);
  return {
    OR: [
      { name: { contains: pattern, mode: 'insensitive' } },
      { email: { contains: pattern, mode: 'insensitive' } },
    ],
  };
}

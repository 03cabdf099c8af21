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
  createdAt: Date;
}

const ACCOUNT_FIELDS = {
  id: true,
  name: true,
  email: true,
  status: true,
  balanceMicros: true,
  reservedMicros: true,
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

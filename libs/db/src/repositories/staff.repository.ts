import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { DbTransaction } from '../transaction-runner';
import { afterTimePosition, Page, TimePosition, toPage } from './keyset-page';

export type StaffRole = 'admin' | 'support' | 'finance';
export type StaffStatus = 'active' | 'disabled';

/** A staff member as the admin API sees it: never the token or its hash. */
export interface StaffRecord {
  id: string;
  email: string;
  role: StaffRole;
  status: StaffStatus;
  tokenPrefix: string;
  createdAt: Date;
}

const STAFF_FIELDS = { id: true, email: true, role: true, status: true, tokenPrefix: true, createdAt: true } as const;

@Injectable()
export class StaffRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(
    staff: { email: string; role: StaffRole; tokenHash: string; tokenPrefix: string },
    tx: DbTransaction,
  ): Promise<StaffRecord> {
    return tx.staff.create({ data: staff, select: STAFF_FIELDS });
  }

  /** The staff member whose token hashes to `tokenHash`, whatever their status (the caller decides). */
  async findByTokenHash(tokenHash: string): Promise<StaffRecord | null> {
    return this.prisma.staff.findUnique({ where: { tokenHash }, select: STAFF_FIELDS });
  }

  async findById(id: string, tx?: DbTransaction): Promise<StaffRecord | null> {
    return (tx ?? this.prisma).staff.findUnique({ where: { id }, select: STAFF_FIELDS });
  }

  async findPage(limit: number, after: TimePosition | null): Promise<Page<StaffRecord, TimePosition>> {
    const rows = await this.prisma.staff.findMany({
      where: afterTimePosition(after),
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
      select: STAFF_FIELDS,
    });
    return toPage(rows, limit, (row) => ({ createdAt: row.createdAt, id: row.id }));
  }

  /** Locks the row for the rest of the transaction, so that "before" in the audit entry is what was changed. */
  async lockById(id: string, tx: DbTransaction): Promise<StaffRecord | null> {
    await tx.$executeRaw`SELECT 1 FROM staff WHERE id = ${id}::uuid FOR UPDATE`;
    return this.findById(id, tx);
  }

  async setStatus(id: string, status: StaffStatus, tx: DbTransaction): Promise<StaffRecord> {
    return tx.staff.update({ where: { id }, data: { status }, select: STAFF_FIELDS });
  }

  /**
   * The bootstrap admin (the holder of ADMIN_TOKEN) as a staff row, so that its writes are audited under a staff id.
   * One statement, so that several admin instances starting at once all end with the same row.
   */
  async upsertBootstrapAdmin(email: string, tokenHash: string, tokenPrefix: string): Promise<StaffRecord> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      INSERT INTO staff (id, email, role, status, token_hash, token_prefix, created_at, updated_at)
      VALUES (gen_random_uuid(), ${email}, 'admin', 'active', ${tokenHash}, ${tokenPrefix}, now(), now())
      ON CONFLICT (email) DO UPDATE
        SET role = 'admin', status = 'active', token_hash = EXCLUDED.token_hash,
            token_prefix = EXCLUDED.token_prefix, updated_at = now()
      RETURNING id::text AS id`;
    const staff = await this.findById(rows[0].id);
    if (!staff) throw new Error('bootstrap admin row vanished after upsert');
    return staff;
  }
}

import { Injectable } from '@nestjs/common';
import { displayPrefix, GatewayError, randomAlphanumeric, sha256Hex } from '@gw/common';
import { isUniqueViolation, StaffRepository, TransactionRunner } from '@gw/db';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../shared/actor';
import { conflict } from '../shared/conflict';
import { timeCursor } from '../shared/cursor';
import type { ListResponse } from '../shared/list-response';
import { PageQueryDto, pageSize } from '../shared/page-query.dto';
import { isUuid } from '../shared/uuid';
import { BootstrapAdmin } from './bootstrap-admin.service';
import type { CreateStaffDto, UpdateStaffDto } from './staff.dto';
import { CreatedStaffView, StaffView, toStaffView } from './staff.view';

/** `cs-` + 40 alphanumerics: ~238 bits, and distinguishable from API keys (`ck-`) at a glance. */
function newStaffToken(): string {
  return `cs-${randomAlphanumeric(40)}`;
}

@Injectable()
export class StaffService {
  constructor(
    private readonly staff: StaffRepository,
    private readonly bootstrap: BootstrapAdmin,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
  ) {}

  async create(actor: Actor, dto: CreateStaffDto): Promise<CreatedStaffView> {
    const token = newStaffToken();
    try {
      const view = await this.transactions.run(async (tx) => {
        const created = toStaffView(
          await this.staff.create(
            { email: dto.email, role: dto.role, tokenHash: sha256Hex(token), tokenPrefix: displayPrefix(token) },
            tx,
          ),
        );
        await this.audit.record(
          actor,
          { action: 'staff.create', target: `staff:${created.id}`, before: null, after: created },
          tx,
        );
        return created;
      });
      return { ...view, token };
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A staff member with the email '${dto.email}' already exists`);
      throw error;
    }
  }

  async list(query: PageQueryDto): Promise<ListResponse<StaffView>> {
    const page = await this.staff.findPage(pageSize(query), timeCursor.decode(query.cursor));
    return { data: page.items.map(toStaffView), nextCursor: timeCursor.encode(page.next) };
  }

  async update(actor: Actor, id: string, dto: UpdateStaffDto): Promise<StaffView> {
    if (!isUuid(id)) throw staffNotFound(id);
    if (id === this.bootstrap.staffId) {
      throw conflict('The bootstrap admin follows ADMIN_TOKEN and cannot be disabled here: change ADMIN_TOKEN instead');
    }
    return this.transactions.run(async (tx) => {
      const member = await this.staff.lockById(id, tx);
      if (!member) throw staffNotFound(id);
      if (member.status === dto.status) return toStaffView(member);
      const after = toStaffView(await this.staff.setStatus(id, dto.status, tx));
      await this.audit.record(
        actor,
        { action: 'staff.update', target: `staff:${id}`, before: toStaffView(member), after },
        tx,
      );
      return after;
    });
  }
}

function staffNotFound(id: string): GatewayError {
  return GatewayError.notFound(`Staff member '${id.slice(0, 64)}' not found`);
}

import { Injectable } from '@nestjs/common';
import { AuditRepository, DbTransaction } from '@gw/db';
import type { Actor } from '../shared/actor';
import { serialCursor } from '../shared/cursor';
import type { ListResponse } from '../shared/list-response';
import { pageSize } from '../shared/page-query.dto';
import { AuditEntryView, toAuditEntryView } from './audit-entry.view';
import type { AuditQueryDto } from './audit.dto';

/** What changed, by whom: written in the transaction of the change itself. */
@Injectable()
export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  /** `before` and `after` are views (plain JSON, never a secret): callers pass what the API would show. */
  async record(
    actor: Actor,
    change: { action: string; target: string; before: object | null; after: object | null },
    tx: DbTransaction,
  ): Promise<void> {
    await this.repository.record({ staffId: actor.staffId, requestId: actor.requestId, ...change }, tx);
  }

  async list(query: AuditQueryDto): Promise<ListResponse<AuditEntryView>> {
    const filter = { staffId: query.staffId, target: query.target, action: query.action };
    const page = await this.repository.findPage(filter, pageSize(query), serialCursor.decode(query.cursor));
    return { data: page.items.map(toAuditEntryView), nextCursor: serialCursor.encode(page.next) };
  }
}

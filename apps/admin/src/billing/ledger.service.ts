import { Injectable } from '@nestjs/common';
import { AccountsRepository, LedgerRepository } from '@gw/db';
import { accountNotFound } from '../accounts/accounts.service';
import { serialCursor } from '../shared/cursor';
import type { ListResponse } from '../shared/list-response';
import { PageQueryDto, pageSize } from '../shared/page-query.dto';
import { isUuid } from '../shared/uuid';
import { LedgerEntryView, toLedgerEntryView } from './ledger-entry.view';

@Injectable()
export class LedgerService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly ledger: LedgerRepository,
  ) {}

  async list(accountId: string, query: PageQueryDto): Promise<ListResponse<LedgerEntryView>> {
    if (!isUuid(accountId) || !(await this.accounts.exists(accountId))) throw accountNotFound(accountId);
    const page = await this.ledger.findPage(accountId, pageSize(query), serialCursor.decode(query.cursor));
    return { data: page.items.map(toLedgerEntryView), nextCursor: serialCursor.encode(page.next) };
  }
}

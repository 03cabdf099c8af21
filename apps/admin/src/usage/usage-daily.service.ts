import { Injectable } from '@nestjs/common';
import { GatewayError } from '@gw/common';
import { UsageRollupsRepository } from '@gw/db';
import { rollupCursor } from '../shared/cursor';
import type { ListResponse } from '../shared/list-response';
import { pageSize } from '../shared/page-query.dto';
import { toUsageDailyView, UsageDailyView } from './usage-daily.view';
import type { UsageDailyQueryDto } from './usage-daily.dto';
import { UsageModelFilter } from './usage-model-filter';

/** Daily usage from the worker's rollups (ROLLUP_USAGE): cheap however many raw records there are. */
@Injectable()
export class UsageDailyService {
  constructor(
    private readonly rollups: UsageRollupsRepository,
    private readonly modelFilter: UsageModelFilter,
  ) {}

  async list(query: UsageDailyQueryDto): Promise<ListResponse<UsageDailyView>> {
    if (query.from && query.to && query.from > query.to) {
      throw GatewayError.invalidRequest("Invalid value for 'to': must not be before 'from'");
    }
    const model = await this.modelFilter.canonical(query.model);
    const page = await this.rollups.findPage(
      { accountId: query.accountId, keyId: query.keyId, model, fromDay: query.from, toDay: query.to },
      pageSize(query),
      rollupCursor.decode(query.cursor),
    );
    return { data: page.items.map(toUsageDailyView), nextCursor: rollupCursor.encode(page.next) };
  }
}

import { Injectable } from '@nestjs/common';
import { GatewayError } from '@gw/common';
import { UsageRepository } from '@gw/db';
import { generationCursor } from '../shared/cursor';
import type { ListResponse } from '../shared/list-response';
import { pageSize } from '../shared/page-query.dto';
import { parseTimestamp } from '../shared/timestamp.validator';
import { UsageModelFilter } from './usage-model-filter';
import { toUsageRecordView, UsageRecordView } from './usage-record.view';
import type { UsageQueryDto } from './usage.dto';

@Injectable()
export class UsageService {
  constructor(
    private readonly usage: UsageRepository,
    private readonly modelFilter: UsageModelFilter,
  ) {}

  async list(query: UsageQueryDto): Promise<ListResponse<UsageRecordView>> {
    const from = parseTimestamp(query.from) ?? undefined;
    const to = parseTimestamp(query.to) ?? undefined;
    if (from && to && from.getTime() > to.getTime()) {
      throw GatewayError.invalidRequest("Invalid value for 'to': must not be before 'from'");
    }
    const model = await this.modelFilter.canonical(query.model);
    const page = await this.usage.findPage(
      { accountId: query.accountId, keyId: query.keyId, model, protocol: query.protocol, from, to },
      pageSize(query),
      generationCursor.decode(query.cursor),
    );
    return { data: page.items.map(toUsageRecordView), nextCursor: generationCursor.encode(page.next) };
  }

  async byGenerationId(generationId: string): Promise<UsageRecordView> {
    const row = generationId.length <= 64 ? await this.usage.findByGenerationId(generationId) : null;
    if (!row) throw GatewayError.notFound(`Generation '${generationId.slice(0, 64)}' not found`);
    return toUsageRecordView(row);
  }
}

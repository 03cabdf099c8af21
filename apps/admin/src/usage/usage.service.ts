import { Injectable, Logger } from '@nestjs/common';
import { GatewayError, generationId as parseGenerationId, InvalidIdError } from '@gw/common';
import { UsageRecordView as UsageRow, UsageRepository } from '@gw/db';
import { WalletInspector } from '@gw/wallet';
import { generationCursor } from '../shared/cursor';
import type { ListResponse } from '../shared/list-response';
import { pageSize } from '../shared/page-query.dto';
import { parseTimestamp } from '../shared/timestamp.validator';
import { UsageModelFilter } from './usage-model-filter';
import { toUsageRecordView, UsageRecordView } from './usage-record.view';
import type { UsageQueryDto } from './usage.dto';

@Injectable()
export class UsageService {
  private readonly logger = new Logger(UsageService.name);

  constructor(
    private readonly usage: UsageRepository,
    private readonly modelFilter: UsageModelFilter,
    private readonly wallet: WalletInspector,
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

  /**
   * The record of one request, by the id its response carried: PostgreSQL's, or until the wallet's ledger writer has
   * written it there (it gathers settlements for up to WALLET_WRITER_GATHER_MS), the one the wallet's settlement kept,
   * so that an id is found as soon as its response has ended.
   */
  async byGenerationId(generationId: string): Promise<UsageRecordView> {
    const row =
      generationId.length <= 64
        ? ((await this.usage.findByGenerationId(generationId)) ?? (await this.settledInWallet(generationId)))
        : null;
    if (!row) throw GatewayError.notFound(`Generation '${generationId.slice(0, 64)}' not found`);
    return toUsageRecordView(row);
  }

  /** The wallet's record of a settled generation not yet in PostgreSQL; null when none (or the wallet is unreadable). */
  private async settledInWallet(id: string): Promise<UsageRow | null> {
    try {
      return await this.wallet.settledRecord(parseGenerationId(id));
    } catch (error) {
      if (!(error instanceof InvalidIdError)) {
        this.logger.warn(`generation ${id}: the wallet's record could not be read (${(error as Error).message})`);
      }
      return null;
    }
  }
}

import { Injectable } from '@nestjs/common';
import { UsageRepository } from '@gw/db';
import { generationView, GenerationView } from './generation-view';
import { RecentGenerations } from './recent-generations';

/** Generation ids are `gen-` and a ULID; anything much longer cannot be one (and is not worth a query). */
const MAX_ID_LENGTH = 64;

/**
 * GET /v1/generation: one generation of the caller's account (any of its keys). The settled record in PostgreSQL wins;
 * until it is there, the record the proxy kept in Redis when the response ended (`settled: false`). Another account's
 * id reads as unknown, so that an id tells a caller nothing about someone else's request.
 */
@Injectable()
export class GenerationLookup {
  constructor(
    private readonly recent: RecentGenerations,
    private readonly usage: UsageRepository,
  ) {}

  async find(accountId: string, generationId: string): Promise<GenerationView | null> {
    if (!generationId.startsWith('gen-') || generationId.length > MAX_ID_LENGTH) return null;
    // Both at once: the Redis record first in importance while the settlement travels, PostgreSQL's once it landed.
    const [remembered, settled] = await Promise.all([
      this.recent.recall(generationId),
      this.usage.findOfAccount({ accountId }, generationId),
    ]);
    if (settled !== null) return generationView(settled, true);
    if (remembered !== null && remembered.accountId === accountId) return remembered.generation;
    return null;
  }
}

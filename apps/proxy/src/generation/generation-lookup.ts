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
    // Both at once. PostgreSQL's record, once the settlement landed there, is the final word; until then the one kept in
    // Redis, which also answers while PostgreSQL is unreachable (the settlement is then queued, and so is the lookup's
    // answer: what the proxy knew when the response ended).
    const [remembered, settled] = await Promise.all([
      this.recent.recall(accountId, generationId),
      this.usage.findOfAccount({ accountId }, generationId).then(
        (row) => ({ row }),
        (error: unknown) => ({ error }),
      ),
    ]);
    const own = remembered !== null && remembered.accountId === accountId ? remembered.generation : null;
    if ('error' in settled) {
      if (own !== null) return own;
      throw settled.error;
    }
    if (settled.row !== null) return generationView(settled.row, true);
    return own;
  }
}

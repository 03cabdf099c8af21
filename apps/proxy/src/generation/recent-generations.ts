import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import type { UsageRecordRow } from '@gw/db';
import { RedisService } from '@gw/redis';
import { generationView, GenerationView } from './generation-view';

/** A finished request's generation as the proxy knew it at the end of its response, and whose it is. */
export interface RecentGeneration {
  accountId: string;
  generation: GenerationView;
}

/**
 * The generations of the last GENERATION_RECORD_TTL_S, in Redis, written by the settle stage as each response ends:
 * GET /v1/generation answers from here while the settlement is still on its way to PostgreSQL (the wallet's ledger
 * writer flushes in batches; a stream's settlement is written after its last byte), so a caller never gets a 404 for
 * its own id. One key per generation (single-key commands: safe on Redis Cluster), expiring on its own; best effort:
 * without Redis the lookup still reads PostgreSQL.
 */
@Injectable()
export class RecentGenerations {
  private readonly logger = new Logger(RecentGenerations.name);
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.ttlSeconds = config.proxy.generationRecordTtlS;
  }

  /** Keeps the record of a request whose response has ended. Never throws; the response never waits on it. */
  remember(row: UsageRecordRow): void {
    const record: RecentGeneration = { accountId: row.accountId, generation: generationView(row, false) };
    this.redis.client.set(this.key(row.generationId), JSON.stringify(record), 'EX', this.ttlSeconds).catch((error: Error) => {
      this.logger.warn(`generation ${row.generationId}: not kept for the lookup: ${error.message}`);
    });
  }

  /** The record of a generation, or null when there is none (expired, never written, or Redis unreachable). */
  async recall(generationId: string): Promise<RecentGeneration | null> {
    let text: string | null;
    try {
      text = await this.redis.client.get(this.key(generationId));
    } catch (error) {
      this.logger.warn(`generation ${generationId}: recent record unreadable: ${(error as Error).message}`);
      return null;
    }
    return text === null ? null : (JSON.parse(text) as RecentGeneration);
  }

  private key(generationId: string): string {
    // The hash tag keeps every command on this generation on one cluster slot, should one ever touch two keys.
    return this.redis.key('generation', `{${generationId}}`);
  }
}

import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { accountId as parseAccountId, generationId as parseGenerationId, InvalidIdError } from '@gw/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import type { UsageRecordRow } from '@gw/db';
import { RedisService } from '@gw/redis';
import { settledUsageRow, WalletService } from '@gw/wallet';
import { generationView, GenerationView } from './generation-view';

/** A finished request's generation as the proxy knew it at the end of its response, and whose it is. */
export interface RecentGeneration {
  accountId: string;
  generation: GenerationView;
}

/**
 * A usage record as the wallet's settlement kept it (usageRowToJson's JSON) -> what the lookup shows of it; null when
 * it is not a record of `accountId` (two accounts share a wallet shard) or cannot be read.
 */
export function recentFromSettledRecord(accountId: string, text: string): RecentGeneration | null {
  const row = settledUsageRow(text);
  if (row === null || row.accountId !== accountId) return null;
  return { accountId, generation: generationView(row, false) };
}

/**
 * The generations of the last GENERATION_RECORD_TTL_S, in Redis, kept as each response ends: GET /v1/generation
 * answers from here while the settlement is still on its way to PostgreSQL (the wallet's ledger writer flushes in
 * batches; a stream's settlement is written after its last byte), so a caller never gets a 404 for its own id.
 * Two places: a request the wallet settled has its usage record kept by the settlement's own script (under the
 * account's wallet shard: no command of its own on the request path); every other one (PostgreSQL's store, free
 * requests, refusals) is written here by the settle stage, one key per generation (single-key commands: safe on
 * Redis Cluster), expiring on its own. Best effort: without Redis the lookup still reads PostgreSQL.
 */
@Injectable()
export class RecentGenerations {
  private readonly logger = new Logger(RecentGenerations.name);
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) config: AppConfig,
    /** Present when BILLING_STORE=wallet. */
    @Optional() private readonly wallet?: WalletService,
  ) {
    this.ttlSeconds = config.proxy.generationRecordTtlS;
  }

  /** Keeps the record of a request whose response has ended. Never throws; the response never waits on it. */
  remember(row: UsageRecordRow): void {
    const record: RecentGeneration = { accountId: row.accountId, generation: generationView(row, false) };
    const text = JSON.stringify(record);
    this.redis.client.set(this.key(row.generationId), text, 'EX', this.ttlSeconds).catch((error: Error) => {
      this.logger.warn(`generation ${row.generationId}: not kept for the lookup: ${error.message}`);
    });
  }

  /**
   * The record of a generation of `accountId`, or null when there is none (expired, never written, another account's,
   * or Redis unreachable).
   */
  async recall(accountId: string, generationId: string): Promise<RecentGeneration | null> {
    const [settled, kept] = await Promise.all([
      this.recallSettled(accountId, generationId),
      this.recallKept(generationId),
    ]);
    if (settled !== null) return settled;
    return kept !== null && kept.accountId === accountId ? kept : null;
  }

  /** What the wallet's settlement kept of the generation (BILLING_STORE=wallet), or null. */
  private async recallSettled(accountId: string, generationId: string): Promise<RecentGeneration | null> {
    if (!this.wallet) return null;
    let text: string | null;
    try {
      text = await this.wallet.settledRecord(parseAccountId(accountId), parseGenerationId(generationId));
    } catch (error) {
      // An id no generation can have (the caller's own text) is simply not there.
      if (error instanceof InvalidIdError) return null;
      this.logger.warn(`generation ${generationId}: settled record unreadable: ${(error as Error).message}`);
      return null;
    }
    return text === null ? null : recentFromSettledRecord(accountId, text);
  }

  /** What the settle stage wrote here, or null. */
  private async recallKept(generationId: string): Promise<RecentGeneration | null> {
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

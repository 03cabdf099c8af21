import { Injectable, Logger } from '@nestjs/common';
import { walletMetrics } from '@gw/observability';
import { WalletStore } from './wallet-store';

const SWEEP_BATCH = 500;

export interface WalletSweepReport {
  closed: number;
  orphans: number;
  chargedMicros: bigint;
  releasedMicros: bigint;
}

/**
 * Closes expired holds (their process stopped beating: it died, or lost Redis for longer than the hold's TTL), shard
 * by shard: each is released, charged what its last heartbeat said was delivered, and written as an `abandoned` usage
 * record. Each close is atomic in Redis, so any number of workers may sweep at once.
 */
@Injectable()
export class WalletSweeper {
  private readonly logger = new Logger(WalletSweeper.name);

  constructor(private readonly store: WalletStore) {}

  async sweep(): Promise<WalletSweepReport> {
    const report: WalletSweepReport = { closed: 0, orphans: 0, chargedMicros: 0n, releasedMicros: 0n };
    for (const shard of this.store.keys.allShards()) {
      for (;;) {
        const swept = await this.store.sweep(shard, SWEEP_BATCH);
        report.closed += swept.closed;
        report.orphans += swept.orphans;
        report.chargedMicros += swept.chargedMicros;
        report.releasedMicros += swept.releasedMicros;
        if (swept.closed + swept.orphans < SWEEP_BATCH) break;
      }
    }
    if (report.closed > 0) {
      walletMetrics().swept.inc(report.closed);
      this.logger.warn(
        `closed ${report.closed} expired wallet hold(s): released ${report.releasedMicros}, charged ` +
          `${report.chargedMicros} micro-USD delivered before their process stopped`,
      );
    }
    return report;
  }
}

import type { DeliveredSoFar, HoldBeat } from '@gw/db';
import type { HoldLiveness } from './hold-liveness';

/**
 * What a running request has delivered so far (tokens the provider bills, and their cost), or null while nothing is
 * known (a non-streaming answer is delivered whole at the end). Read at each heartbeat.
 */
export type DeliveryProbe = () => Promise<DeliveredSoFar | null>;

interface WatchedHold {
  probe: DeliveryProbe | null;
  /** Date.now() when it was watched or last beaten. */
  beatAt: number;
}

/**
 * Keeps the holds of this process's running requests alive: every `everyMs`, one batched write refreshes the ones not
 * refreshed for half a period (a hold is written with a fresh heartbeat, so short requests never beat) and records
 * what each has delivered. A beat still in flight is never overlapped; a failed one is reported and the next one retries.
 * The sweep takes only holds that missed several beats (RESERVATION_STALE_AFTER_S >= 3 x HOLD_HEARTBEAT_EVERY_MS).
 */
export class HoldHeartbeat {
  private readonly holds = new Map<string, WatchedHold>();
  private timer: NodeJS.Timeout | null = null;
  private beating = false;

  constructor(
    private readonly liveness: Pick<HoldLiveness, 'beat'>,
    private readonly everyMs: number,
    private readonly onFailure: (error: Error) => void,
  ) {}

  watch(generationId: string, probe: DeliveryProbe | null): void {
    this.holds.set(generationId, { probe, beatAt: Date.now() });
    if (this.timer === null) {
      this.timer = setInterval(() => void this.beat(), this.everyMs);
      this.timer.unref();
    }
  }

  unwatch(generationId: string): void {
    this.holds.delete(generationId);
    if (this.holds.size === 0) this.stop();
  }

  get size(): number {
    return this.holds.size;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One beat of the holds due (all of them with `all`). Resolves when written (or failed). */
  async beat(all = false): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      const startedAt = Date.now();
      // Due: not refreshed for half a period (so that no hold goes much more than a period between beats, whatever the
      // timer's phase); younger holds were written with a fresh heartbeat.
      const due = [...this.holds].filter(([, hold]) => all || startedAt - hold.beatAt >= this.everyMs / 2);
      if (due.length === 0) return;
      const beats: HoldBeat[] = await Promise.all(
        due.map(async ([generationId, hold]) => ({ generationId, delivered: await readProbe(hold.probe) })),
      );
      await this.liveness.beat(beats);
      for (const [, hold] of due) hold.beatAt = startedAt;
    } catch (error) {
      this.onFailure(error as Error);
    } finally {
      this.beating = false;
    }
  }
}

async function readProbe(probe: DeliveryProbe | null): Promise<DeliveredSoFar | null> {
  if (probe === null) return null;
  try {
    return await probe();
  } catch {
    return null; // the beat matters more than the count: the hold stays alive, its last count stands
  }
}

import type { Histogram } from 'prom-client';
import { proxyMetrics } from '@gw/observability';

export type StageName = 'context' | 'authenticate' | 'admit' | 'resolve' | 'reserve' | 'relay' | 'settle';

const STAGES: readonly StageName[] = ['context', 'authenticate', 'admit', 'resolve', 'reserve', 'relay', 'settle'];

let children: Record<StageName, Histogram.Internal<'stage'>> | undefined;

/**
 * Records one stage's time in gw_stage_duration_seconds{stage}, from `startedAt` (performance.now()) to now. The
 * labelled children are looked up once, not per request.
 */
export function observeStage(stage: StageName, startedAt: number): void {
  children ??= Object.fromEntries(
    STAGES.map((name) => [name, proxyMetrics().stageDuration.labels({ stage: name })]),
  ) as Record<StageName, Histogram.Internal<'stage'>>;
  children[stage].observe((performance.now() - startedAt) / 1000);
}

import { PROXY_STAGES, ProxyStage, proxyMetrics } from '@gw/observability';

export type StageName = ProxyStage;

let observers: Record<StageName, (seconds: number) => void> | undefined;

/**
 * Records one stage's time in gw_stage_duration_seconds{stage}, from `startedAt` (performance.now()) to now. Each
 * stage's observer is looked up once, not per request.
 */
export function observeStage(stage: StageName, startedAt: number): void {
  observeStageTime(stage, performance.now() - startedAt);
}

/** Records a stage's time measured in pieces (a translation's, spread over a stream), in milliseconds. */
export function observeStageTime(stage: StageName, milliseconds: number): void {
  observers ??= Object.fromEntries(PROXY_STAGES.map((name) => [name, proxyMetrics().stageDuration.child(name)])) as Record<
    StageName,
    (seconds: number) => void
  >;
  observers[stage](milliseconds / 1000);
}

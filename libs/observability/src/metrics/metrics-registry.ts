import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The process's one registry. Metrics are per process (each instance is its own scrape target); nothing here is
 * shared through Redis or PostgreSQL, so a scrape costs no round trip except the few gauges read on scrape.
 */
export const metricsRegistry = new Registry();

let initialised = false;

/** The `app` label on every series and Node's default process metrics (CPU, memory, event loop, GC, handles). */
export function initProcessMetrics(app: string): void {
  if (initialised) return;
  initialised = true;
  metricsRegistry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: metricsRegistry });
}

/** A group of metrics created (and registered) the first time a process uses it, so each app exports only its own. */
export function metricGroup<T>(create: () => T): () => T {
  let group: T | undefined;
  return () => (group ??= create());
}

/** Runs `read` for a gauge on scrape, bounded by `timeoutMs`: a slow dependency must not stall the scrape. */
export async function withScrapeTimeout<T>(read: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      read(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

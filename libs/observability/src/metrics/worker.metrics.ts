import { Counter, Gauge, Histogram } from 'prom-client';
import { metricGroup, metricsRegistry, withScrapeTimeout } from './metrics-registry';

const registers = [metricsRegistry];
const SCRAPE_TIMEOUT_MS = 1_000;

/** The open reservations of the whole gateway (all proxies), as PostgreSQL has them. */
export interface OpenReservationStats {
  count: number;
  reservedMicros: bigint;
  oldestAgeSeconds: number;
}

export interface WorkerSources {
  /** Job counts by state (waiting, active, delayed, failed, ...) of the queue. */
  queueCounts: () => Promise<Record<string, number>>;
  openReservations: () => Promise<OpenReservationStats>;
}

let sources: WorkerSources | undefined;

/**
 * The worker's metrics. Job outcomes come from the BullMQ worker's events; queue depths and open reservations are read
 * on scrape (one cheap query each, bounded by a timeout; a failed read leaves the series out of that scrape and counts
 * in gw_scrape_errors_total). They describe the whole deployment, so every worker reports the same values: aggregate
 * them with max(), not sum().
 */
export const workerMetrics = metricGroup(() => ({
  jobs: new Counter({
    name: 'gw_jobs_total',
    help: 'Jobs run by this worker, by job name and outcome (completed, failed)',
    labelNames: ['name', 'outcome'] as const,
    registers,
  }),
  jobDuration: new Histogram({
    name: 'gw_job_duration_seconds',
    help: 'Time a job took in this worker, by job name',
    labelNames: ['name'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers,
  }),
  scrapeErrors: new Counter({
    name: 'gw_scrape_errors_total',
    help: 'Gauges that could not be read on scrape (dependency slow or down), by source',
    labelNames: ['source'] as const,
    registers,
  }),
  queue: new Gauge({
    name: 'gw_queue_jobs',
    help: 'Jobs in the gateway queue by state (deployment-wide)',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      this.reset();
      if (!sources) return;
      try {
        const counts = await withScrapeTimeout(sources.queueCounts, SCRAPE_TIMEOUT_MS);
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      } catch {
        workerMetrics().scrapeErrors.inc({ source: 'queue' });
      }
    },
  }),
  openReservations: new Gauge({
    name: 'gw_open_reservations',
    help: 'Open reservations of all proxies (deployment-wide, from PostgreSQL)',
    registers,
    async collect() {
      const stats = await reservationsForThisScrape();
      this.reset();
      if (stats) this.set(stats.count);
    },
  }),
  reservedUsd: new Gauge({
    name: 'gw_open_reservations_usd',
    help: 'USD held by open reservations (deployment-wide, from PostgreSQL)',
    registers,
    async collect() {
      const stats = await reservationsForThisScrape();
      this.reset();
      // A gauge is a float: fine for a dashboard, never used for money.
      if (stats) this.set(Number(stats.reservedMicros) / 1e6);
    },
  }),
  oldestReservationAge: new Gauge({
    name: 'gw_open_reservation_oldest_age_seconds',
    help: 'Age of the oldest open reservation, 0 when none (a growing value means a stuck or orphaned hold)',
    registers,
    async collect() {
      const stats = await reservationsForThisScrape();
      this.reset();
      if (stats) this.set(stats.oldestAgeSeconds);
    },
  }),
}));

/** The three reservation gauges of one scrape share one query (their collects run concurrently). */
const SHARED_READ_MS = 1_000;
let lastRead: { at: number; stats: Promise<OpenReservationStats | null> } | undefined;

function reservationsForThisScrape(): Promise<OpenReservationStats | null> {
  const now = Date.now();
  if (!lastRead || now - lastRead.at > SHARED_READ_MS) {
    const read = sources?.openReservations;
    lastRead = {
      at: now,
      stats: read
        ? withScrapeTimeout(read, SCRAPE_TIMEOUT_MS).catch(() => {
            workerMetrics().scrapeErrors.inc({ source: 'reservations' });
            return null;
          })
        : Promise.resolve(null),
    };
  }
  return lastRead.stats;
}

export function observeWorker(from: WorkerSources): void {
  sources = from;
  workerMetrics();
}

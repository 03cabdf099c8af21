import { Counter, Gauge, Histogram } from 'prom-client';
import { metricGroup, metricsRegistry, withScrapeTimeout } from './metrics-registry';

const registers = [metricsRegistry];
const SCRAPE_TIMEOUT_MS = 1_000;

/** What this process's wallet client is holding right now (read on scrape). */
export interface WalletClientState {
  openHolds: number;
  pendingSettlements: number;
}
let snapshot: () => WalletClientState = () => ({ openHolds: 0, pendingSettlements: 0 });

/** Settlement events not yet written to PostgreSQL, deployment-wide (read from the streams on scrape). */
export interface WalletBacklog {
  /** Delivered to a writer and not acknowledged. */
  pending: number;
  /** Not delivered to any writer yet. */
  undelivered: number;
  /** Age of the oldest event not yet acknowledged, in seconds (0: none). */
  oldestAgeSeconds: number;
}
let backlog: (() => Promise<WalletBacklog>) | undefined;

/** The wallet's metrics: the request path's holds and settlements, and the worker's ledger writer, sweep and relay. */
export const walletMetrics = metricGroup(() => ({
  holds: new Counter({
    name: 'gw_wallet_holds_total',
    help: 'Wallet holds by result: held, already_held, refused (402), closed, failed (wallet unavailable: 503)',
    labelNames: ['result'] as const,
    registers,
  }),
  settlements: new Counter({
    name: 'gw_wallet_settlements_total',
    help: 'Wallet settlements by outcome: settled, late, unheld, duplicate, deferred (retrying), lost (given up)',
    labelNames: ['outcome'] as const,
    registers,
  }),
  loads: new Counter({
    name: 'gw_wallet_loads_total',
    help: 'Accounts loaded into the wallet from PostgreSQL (first use, or after Redis lost its data)',
    registers,
  }),
  openHolds: new Gauge({
    name: 'gw_wallet_open_holds',
    help: 'Wallet holds this process keeps alive with heartbeats (its running requests)',
    registers,
    collect() {
      this.set(snapshot().openHolds);
    },
  }),
  pendingSettlements: new Gauge({
    name: 'gw_wallet_pending_settlements',
    help: 'Settlements of this process retrying because the wallet did not answer',
    registers,
    collect() {
      this.set(snapshot().pendingSettlements);
    },
  }),
  writerEvents: new Counter({
    name: 'gw_wallet_writer_events_total',
    help: 'Settlement events handled by this ledger writer, by outcome: applied, duplicate, deferred, rejected',
    labelNames: ['outcome'] as const,
    registers,
  }),
  writerBatchSize: new Histogram({
    name: 'gw_wallet_writer_batch_events',
    help: 'Settlement events per ledger-writer transaction',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers,
  }),
  writerBatchDuration: new Histogram({
    name: 'gw_wallet_writer_batch_seconds',
    help: 'Time of one ledger-writer transaction (gw_wallet_apply)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  }),
  writerLag: new Histogram({
    name: 'gw_wallet_writer_lag_seconds',
    help: 'From a settlement in Redis to its ledger entry committed in PostgreSQL, per event',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers,
  }),
  writerFailures: new Counter({
    name: 'gw_wallet_writer_failures_total',
    help: 'Ledger-writer batches that failed (PostgreSQL or Redis unavailable; retried)',
    registers,
  }),
  backlogEvents: new Gauge({
    name: 'gw_wallet_events_backlog',
    help: 'Settlement events not yet written to PostgreSQL (deployment-wide), by state: pending, undelivered',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      this.reset();
      const read = await backlogForThisScrape();
      if (!read) return;
      this.set({ state: 'pending' }, read.pending);
      this.set({ state: 'undelivered' }, read.undelivered);
    },
  }),
  backlogAge: new Gauge({
    name: 'gw_wallet_events_oldest_age_seconds',
    help: 'Age of the oldest settlement event not yet written to PostgreSQL (deployment-wide; 0: none)',
    registers,
    async collect() {
      this.reset();
      const read = await backlogForThisScrape();
      if (read) this.set(read.oldestAgeSeconds);
    },
  }),
  swept: new Counter({
    name: 'gw_wallet_swept_holds_total',
    help: 'Expired wallet holds closed by the sweep (their process stopped beating)',
    registers,
  }),
  creditsRelayed: new Counter({
    name: 'gw_wallet_credits_relayed_total',
    help: 'Top-ups and adjustments the relay applied to the wallet after the admin API did not',
    registers,
  }),
}));

const SHARED_READ_MS = 1_000;
let lastRead: { at: number; value: Promise<WalletBacklog | null> } | undefined;

function backlogForThisScrape(): Promise<WalletBacklog | null> {
  const now = Date.now();
  if (!lastRead || now - lastRead.at > SHARED_READ_MS) {
    const read = backlog;
    lastRead = { at: now, value: read ? withScrapeTimeout(read, SCRAPE_TIMEOUT_MS).catch(() => null) : Promise.resolve(null) };
  }
  return lastRead.value;
}

/** The wallet client of this process reports its state through this. */
export function observeWallet(read: () => WalletClientState): void {
  snapshot = read;
  walletMetrics();
}

/** The worker reports the streams' backlog through this (read on scrape). */
export function observeWalletBacklog(read: () => Promise<WalletBacklog>): void {
  backlog = read;
  walletMetrics();
}

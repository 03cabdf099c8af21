import { Counter, Gauge } from 'prom-client';
import { metricGroup, metricsRegistry } from './metrics-registry';

const registers = [metricsRegistry];

/** What this process's billing engine is holding right now (read on scrape). */
export interface BillingSnapshot {
  inFlightHolds: number;
  pendingWrites: number;
}

let snapshot: () => BillingSnapshot = () => ({ inFlightHolds: 0, pendingWrites: 0 });

export const billingMetrics = metricGroup(() => ({
  reservations: new Counter({
    name: 'gw_reservations_total',
    help: 'Reservation attempts by result: accepted, insufficient (402), daily_limit (the key daily limit, 403), failed (database error, 503)',
    labelNames: ['result'] as const,
    registers,
  }),
  settlements: new Counter({
    name: 'gw_settlements_total',
    help: 'Settlements by outcome: settled, released, late_settled, duplicate, missing, handed_over (to the worker), lost',
    labelNames: ['outcome'] as const,
    registers,
  }),
  inFlightHolds: new Gauge({
    name: 'gw_billing_in_flight_holds',
    help: 'Reservations this process holds for requests still running',
    registers,
    collect() {
      this.set(snapshot().inFlightHolds);
    },
  }),
  pendingWrites: new Gauge({
    name: 'gw_billing_pending_writes',
    help: 'Settlements and usage records of this process not yet written',
    registers,
    collect() {
      this.set(snapshot().pendingWrites);
    },
  }),
}));

/** The billing engine of this process reports its state through this (one engine per process). */
export function observeBilling(read: () => BillingSnapshot): void {
  snapshot = read;
  billingMetrics();
}

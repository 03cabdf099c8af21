/** Every job the worker runs. Boot fails unless each has exactly one processor (apps/worker). */
export enum JobName {
  /** A settlement the proxy could not write (database unreachable) handed over for a durable retry. */
  SETTLE = 'settle',
  /** Releases reservations whose request is gone (proxy crashed). Repeatable. */
  SWEEP_STALE_RESERVATIONS = 'sweep-stale-reservations',
  /** Checks balances against the ledger and usage against ledger entries. Repeatable, and on demand. */
  RECONCILE = 'reconcile',
  /** Daily usage aggregates per account, key and model. Repeatable. */
  ROLLUP_USAGE = 'rollup-usage',
  /** Closes expired wallet holds (their process stopped beating: it died). Repeatable. */
  WALLET_SWEEP_HOLDS = 'wallet-sweep-holds',
  /** Applies to the wallet the top-ups and adjustments it has not confirmed (a crash after the commit). Repeatable. */
  WALLET_RELAY_CREDITS = 'wallet-relay-credits',
  /** Compares spendable balances with alert thresholds and delivers the events that are due. Repeatable. */
  BALANCE_ALERTS = 'balance-alerts',
}

/** All jobs share one queue: the worker scales out by running more processes on it. */
export const GATEWAY_QUEUE = 'gateway';

import type { ThresholdState } from '@gw/db';

/** What a balance means for an account's thresholds. */
export interface AlertCrossings {
  /** Armed thresholds the balance is below: each fires once. */
  fire: bigint[];
  /** Fired thresholds the balance is back above: re-armed if a credit lifted it (not a released hold). */
  rearmIfCredited: bigint[];
}

/**
 * The decision of one check (spec/policy.md, "Balance alerts"): a threshold fires when the spendable balance is below
 * it and it is armed, so once per crossing however often the check runs; it is armed again only once the balance is
 * above it after a credit ("when a top-up lifts the balance above it again"), so a balance hovering around a
 * threshold as holds come and go alerts once.
 */
export function alertCrossings(thresholds: readonly ThresholdState[], balanceMicros: bigint): AlertCrossings {
  const fire: bigint[] = [];
  const rearmIfCredited: bigint[] = [];
  for (const threshold of thresholds) {
    if (threshold.armed && balanceMicros < threshold.thresholdMicros) fire.push(threshold.thresholdMicros);
    if (!threshold.armed && balanceMicros > threshold.thresholdMicros) rearmIfCredited.push(threshold.thresholdMicros);
  }
  return { fire, rearmIfCredited };
}

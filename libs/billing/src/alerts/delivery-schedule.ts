/** The first retry waits this long; each next one twice as long as the one before, up to MAX_RETRY_DELAY_MS. */
export const FIRST_RETRY_DELAY_MS = 5_000;
export const MAX_RETRY_DELAY_MS = 10 * 60_000;
/** A delivery is retried for up to an hour after its event (spec/policy.md), then marked failed. */
export const DELIVERY_WINDOW_MS = 60 * 60_000;

/**
 * When to make the next attempt after attempt number `attempt` (1 for the first) failed, or null when it would fall
 * past the delivery window: 5 s, 10 s, 20 s ... 10 min, about a dozen attempts in the hour.
 */
export function nextAttemptAt(attempt: number, createdAt: Date, now: Date): Date | null {
  const delay = Math.min(FIRST_RETRY_DELAY_MS * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
  const next = now.getTime() + delay;
  return next > createdAt.getTime() + DELIVERY_WINDOW_MS ? null : new Date(next);
}

import { DELIVERY_WINDOW_MS, nextAttemptAt } from './delivery-schedule';

describe(nextAttemptAt.name, () => {
  const created = new Date('2026-12-06T10:00:00Z');

  it('backs off exponentially from 5 s, capped at 10 minutes', () => {
    const delays = [1, 2, 3, 4, 8, 9, 20].map((attempt) => nextAttemptAt(attempt, created, created)!.getTime() - created.getTime());
    expect(delays).toEqual([5_000, 10_000, 20_000, 40_000, 600_000, 600_000, 600_000]);
  });

  it('gives up once the next attempt would fall more than an hour after the event, after about a dozen attempts', () => {
    let now = created;
    let attempts = 0;
    for (let next = nextAttemptAt(1, created, now); next !== null; next = nextAttemptAt(attempts + 1, created, now)) {
      attempts++;
      now = next;
    }
    expect(now.getTime() - created.getTime()).toBeLessThanOrEqual(DELIVERY_WINDOW_MS);
    expect(now.getTime() - created.getTime()).toBeGreaterThan(DELIVERY_WINDOW_MS - 10 * 60_000);
    expect(attempts).toBeGreaterThanOrEqual(10);
    expect(attempts).toBeLessThanOrEqual(15);
  });
});

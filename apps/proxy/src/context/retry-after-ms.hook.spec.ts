import { retryAfterMs } from './retry-after-ms.hook';

describe(retryAfterMs.name, () => {
  it('turns a delay in seconds into milliseconds', () => {
    expect(retryAfterMs('1')).toBe(1_000);
    expect(retryAfterMs(' 42 ')).toBe(42_000);
    expect(retryAfterMs('0.5')).toBe(500);
  });

  it('turns an HTTP date into the milliseconds until it, never negative', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });

  it('leaves unreadable values alone', () => {
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs('-1')).toBeNull();
  });
});

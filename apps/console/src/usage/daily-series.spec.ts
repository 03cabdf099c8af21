import type { UsageDay } from '../api/types';
import { dailyTotals, daysBetween, keysIn } from './daily-series';

const row = (day: string, keyId: string, overrides: Partial<UsageDay> = {}): UsageDay => ({
  day,
  accountId: 'a1',
  keyId,
  model: 'openai/gpt-4.1-mini',
  requests: 1,
  abandoned: 0,
  inputTokens: 10,
  outputTokens: 20,
  costUsd: '0.000100',
  updatedAt: '2026-12-01T00:00:00.000Z',
  ...overrides,
});

describe(daysBetween.name, () => {
  it('lists every UTC day, across a month end, both ends included', () => {
    expect(daysBetween('2026-11-29', '2026-12-02')).toEqual(['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02']);
    expect(daysBetween('2026-12-02', '2026-12-01')).toEqual([]);
  });
});

describe(dailyTotals.name, () => {
  const rows = [
    row('2026-12-01', 'k1'),
    row('2026-12-01', 'k1', { model: 'anthropic/claude-haiku-4-5', requests: 2, costUsd: '0.000005' }),
    row('2026-12-01', 'k2', { requests: 4, inputTokens: '9007199254740993', costUsd: '1.000000' }),
    row('2026-12-03', 'k2', { requests: 1 }),
  ];

  it('sums every key and model per day, exactly, with zeros on days without usage', () => {
    expect(dailyTotals(rows, '2026-12-01', '2026-12-03')).toEqual([
      { day: '2026-12-01', requests: 7, inputTokens: 9_007_199_254_741_013n, outputTokens: 60n, costUsd: '1.000105' },
      { day: '2026-12-02', requests: 0, inputTokens: 0n, outputTokens: 0n, costUsd: '0.000000' },
      { day: '2026-12-03', requests: 1, inputTokens: 10n, outputTokens: 20n, costUsd: '0.000100' },
    ]);
  });

  it('keeps one key when asked', () => {
    expect(dailyTotals(rows, '2026-12-01', '2026-12-01', 'k1')).toEqual([
      { day: '2026-12-01', requests: 3, inputTokens: 20n, outputTokens: 40n, costUsd: '0.000105' },
    ]);
  });

  it('lists the keys by requests', () => {
    expect(keysIn(rows)).toEqual(['k2', 'k1']);
  });
});

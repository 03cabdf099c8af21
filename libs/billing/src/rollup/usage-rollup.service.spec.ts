import { rollupDays } from './usage-rollup.service';

describe(rollupDays.name, () => {
  it('recomputes yesterday and today in UTC by default', () => {
    expect(rollupDays(new Date('2026-11-25T00:10:00.000Z'))).toEqual(['2026-11-24', '2026-11-25']);
    expect(rollupDays(new Date('2026-03-01T23:59:59.999Z'))).toEqual(['2026-02-28', '2026-03-01']);
  });

  it('recomputes the one day asked for, if it is a real day', () => {
    expect(rollupDays(new Date(), '2024-02-29')).toEqual(['2024-02-29']);
    for (const day of ['2026-02-30', '2026-13-01', '26-11-01', '2026-11-1', 'yesterday', '2026-11-01T00:00:00Z']) {
      expect(() => rollupDays(new Date(), day)).toThrow(RangeError);
    }
  });
});

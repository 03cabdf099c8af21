import { parseTimestamp } from './timestamp.validator';

describe(parseTimestamp.name, () => {
  it.each([
    ['2026-11-25T10:00:00Z', '2026-11-25T10:00:00.000Z'],
    ['2026-11-25T10:00:00.123456789Z', '2026-11-25T10:00:00.123Z'],
    ['2026-11-25t10:00:00z', '2026-11-25T10:00:00.000Z'],
    ['2026-11-25T10:00:00+01:30', '2026-11-25T08:30:00.000Z'],
    ['2026-11-25', '2026-11-25T00:00:00.000Z'],
    ['2024-02-29T23:59:59Z', '2024-02-29T23:59:59.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['0001-01-01', '0001-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseTimestamp(text)?.toISOString()).toBe(iso);
  });

  it.each([
    ['no time zone', '2026-11-25T10:00:00'],
    ['a week date', '2021-W01-1'],
    ['an ordinal date', '2021-001'],
    ['the basic format', '20210101T000000Z'],
    ['a year alone', '2021'],
    ['February 30th', '2021-02-30T00:00:00Z'],
    ['February 29th of a common year', '2023-02-29'],
    ['hour 24', '2021-01-01T24:00:00Z'],
    ['a leap second', '2021-01-01T23:59:60Z'],
    ['an offset of 24 hours', '2021-01-01T00:00:00+24:00'],
    ['year 0', '0000-01-01T00:00:00Z'],
    ['before year 1 once in UTC', '0001-01-01T00:00:00+01:00'],
    ['year 10000 reached through an offset', '9999-12-31T23:59:59-23:00'],
    ['an expanded year', '+275760-09-13T00:00:00Z'],
    ['a negative year', '-000001-01-01T00:00:00Z'],
    ['a number', 1700000000000],
    ['words', 'yesterday'],
  ])('refuses %s', (_name, value) => {
    expect(parseTimestamp(value)).toBeNull();
  });
});

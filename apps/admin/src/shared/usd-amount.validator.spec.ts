import { usdStringToMicros } from './usd-amount.validator';

describe(usdStringToMicros.name, () => {
  const topUp = { min: 0n, exclusiveMin: true, max: 1_000_000_000_000n };

  it.each([
    ['1', 1_000_000n],
    ['0.000001', 1n],
    ['12.5', 12_500_000n],
    ['1000000', 1_000_000_000_000n],
    ['1000000.000000', 1_000_000_000_000n],
  ])('parses %s exactly', (value, micros) => {
    expect(usdStringToMicros(value, topUp)).toBe(micros);
  });

  it.each([
    ['0'],
    ['0.000000'],
    ['-1'],
    ['1000000.000001'],
    ['1.1234567'],
    [' 1'],
    ['1e3'],
    ['0x10'],
    [''],
    ['.5'],
    ['5.'],
  ])('refuses %j', (value) => {
    expect(usdStringToMicros(value, topUp)).toBeNull();
  });

  it('refuses anything but a string: a float cannot carry every micro-dollar', () => {
    expect(usdStringToMicros(5, topUp)).toBeNull();
    expect(usdStringToMicros(null, topUp)).toBeNull();
  });

  it('honours an inclusive lower bound', () => {
    expect(usdStringToMicros('0', { min: 0n, max: 10n })).toBe(0n);
  });

  it('accepts a sign only where amounts may be negative (adjustments)', () => {
    const adjustment = { min: -1_000_000_000_000n, max: 1_000_000_000_000n, signed: true };
    expect(usdStringToMicros('-4.25', adjustment)).toBe(-4_250_000n);
    expect(usdStringToMicros('0', adjustment)).toBe(0n);
    expect(usdStringToMicros('-1000000.000001', adjustment)).toBeNull();
    expect(usdStringToMicros('+1', adjustment)).toBeNull();
    expect(usdStringToMicros('--1', adjustment)).toBeNull();
    expect(usdStringToMicros('-1', topUp)).toBeNull();
  });
});

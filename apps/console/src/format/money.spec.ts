import { formatUsd, microsToUsd, usdToMicros } from './money';

describe(formatUsd.name, () => {
  it.each([
    ['12.500000', '$12.50'],
    ['0.000840', '$0.00084'],
    ['-0.000840', '-$0.00084'],
    ['1234567.000001', '$1,234,567.000001'],
    ['0', '$0.00'],
    ['10', '$10.00'],
    ['999.9', '$999.90'],
  ])('%s -> %s', (usd, shown) => expect(formatUsd(usd)).toBe(shown));

  it('refuses what is not a USD amount rather than show a wrong one', () => {
    expect(() => formatUsd('12.5000001')).toThrow(/Not a USD amount/);
    expect(() => formatUsd('1e3')).toThrow(/Not a USD amount/);
  });
});

describe('micro-dollars', () => {
  it('round-trips exactly, beyond what a double holds', () => {
    expect(usdToMicros('90071992547.409931')).toBe(90_071_992_547_409_931n);
    expect(microsToUsd(90_071_992_547_409_931n)).toBe('90071992547.409931');
    expect(microsToUsd(-5n)).toBe('-0.000005');
    expect(usdToMicros('-0.5')).toBe(-500_000n);
  });
});

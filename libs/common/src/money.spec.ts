import fc from 'fast-check';
import {
  ceilDiv,
  formatMicrosAsCents,
  formatMicrosAsExactUsd,
  formatMicrosAsUsd,
  MICROS_PER_USD,
  parseUsdToMicros,
} from './money';

const micros = fc.bigInt({ min: -(10n ** 21n) + 1n, max: 10n ** 21n - 1n });

describe('money', () => {
  it('formats any amount as a 6-place decimal that parses back to the same micro-dollars', () => {
    fc.assert(
      fc.property(micros, (m) => {
        const text = formatMicrosAsUsd(m);
        return /^-?\d+\.\d{6}$/.test(text) && parseUsdToMicros(text) === m;
      }),
      { numRuns: 2_000 },
    );
  });

  it('parses any decimal of up to 6 places exactly, digit by digit', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }), fc.integer({ min: 0, max: 6 }), fc.boolean(), (whole, places, negative) => {
        const fraction = places === 0 ? '' : `.${'7'.repeat(places)}`;
        const text = `${negative ? '-' : ''}${whole}${fraction}`;
        const expected = whole * MICROS_PER_USD + (places === 0 ? 0n : BigInt('7'.repeat(places).padEnd(6, '0')));
        return parseUsdToMicros(text) === (negative ? -expected : expected);
      }),
    );
  });

  it.each(['', ' ', '1e3', '0.1234567', 'NaN', 'Infinity', '1,000.00', '.5', '5.', '+1', '0x10', '1 000', '--1'])(
    'refuses %p rather than guess (no float parsing)',
    (text) => {
      expect(parseUsdToMicros(text)).toBeNull();
    },
  );

  it('keeps precision a float would lose', () => {
    expect(parseUsdToMicros('9007199254.740993')).toBe(9_007_199_254_740_993n);
    expect(formatMicrosAsUsd(9_007_199_254_740_993n)).toBe('9007199254.740993');
    expect(parseUsdToMicros('0.1')! + parseUsdToMicros('0.2')!).toBe(parseUsdToMicros('0.3'));
  });

  it('formats cents for people: half away from zero, and a positive amount never as 0.00', () => {
    expect(formatMicrosAsCents(0n)).toBe('0.00');
    expect(formatMicrosAsCents(1n)).toBe('0.01');
    expect(formatMicrosAsCents(4_999n)).toBe('0.01');
    expect(formatMicrosAsCents(5_000n)).toBe('0.01');
    expect(formatMicrosAsCents(14_999n)).toBe('0.01');
    expect(formatMicrosAsCents(15_000n)).toBe('0.02');
    expect(formatMicrosAsCents(123_456_789n)).toBe('123.46');
    expect(formatMicrosAsCents(-125_000n)).toBe('-0.13');
    expect(formatMicrosAsCents(-4_000n)).toBe('0.00');
  });

  it('ceilDiv rounds up exactly and refuses what it cannot round', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (n, d) => {
        const q = ceilDiv(n, d);
        return q * d >= n && (q - 1n) * d < n + (n === 0n ? 1n : 0n);
      }),
    );
    expect(() => ceilDiv(-1n, 10n)).toThrow(RangeError);
    expect(() => ceilDiv(1n, 0n)).toThrow(RangeError);
  });

  it('formats a limit exactly: two decimals at least, more when it has more, never rounded', () => {
    expect(formatMicrosAsExactUsd(10_000_000n)).toBe('10.00');
    expect(formatMicrosAsExactUsd(5_000n)).toBe('0.005');
    expect(formatMicrosAsExactUsd(0n)).toBe('0.00');
    expect(formatMicrosAsExactUsd(1_500_000n)).toBe('1.50');
    expect(formatMicrosAsExactUsd(1_234_567n)).toBe('1.234567');
    expect(formatMicrosAsExactUsd(1n)).toBe('0.000001');
    expect(formatMicrosAsExactUsd(1_000_000_000_000n)).toBe('1000000.00');
  });
});

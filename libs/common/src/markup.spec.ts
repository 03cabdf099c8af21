import fc from 'fast-check';
import { applyMarkup, formatMarkup, MARKUP_SCALE, MAX_MARKUP_MILLIONTHS, parseMarkup } from './markup';

describe(parseMarkup.name, () => {
  it.each([
    ['1.05', 1_050_000n],
    ['1', 1_000_000n],
    ['1.5', 1_500_000n],
    ['0', 0n],
    ['0.000001', 1n],
    ['100', 100_000_000n],
    ['2.123456', 2_123_456n],
  ])('reads %s exactly', (text, millionths) => {
    expect(parseMarkup(text)).toBe(millionths);
  });

  it.each(['', '1.0000001', '-1', '100.000001', '1e2', ' 1.05', '1.05 ', '+1', '.5', '1.', '1,05', '1000'])(
    'refuses %j',
    (text) => {
      expect(parseMarkup(text)).toBeNull();
    },
  );

  it('round-trips through its shortest form', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_MARKUP_MILLIONTHS }), (millionths) => {
        return parseMarkup(formatMarkup(millionths)) === millionths;
      }),
    );
    expect(formatMarkup(1_050_000n)).toBe('1.05');
    expect(formatMarkup(1_000_000n)).toBe('1');
    expect(formatMarkup(1_500_000n)).toBe('1.5');
    expect(formatMarkup(10n)).toBe('0.00001');
  });
});

describe(applyMarkup.name, () => {
  it('is upstream x markup rounded up to the micro-dollar, never below it and less than one micro-dollar above', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: MAX_MARKUP_MILLIONTHS }), (price, markup) => {
        const exact = price * markup; // micro-dollars x 10^6
        const charged = applyMarkup(price, markup) * MARKUP_SCALE;
        return charged >= exact && charged - exact < MARKUP_SCALE;
      }),
    );
  });

  it('prices the examples of the README exactly', () => {
    expect(applyMarkup(400_000n, 1_050_000n)).toBe(420_000n); // USD 0.40 -> 0.42
    expect(applyMarkup(1n, 1_050_000n)).toBe(2n); // 1.05 micro-dollars -> 2
    expect(applyMarkup(3_750_000n, 1_000_000n)).toBe(3_750_000n); // markup 1 changes nothing
    expect(applyMarkup(123_457n, 1_333_333n)).toBe(164_610n); // 164,609.29... rounded up
  });
});

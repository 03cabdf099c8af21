import { ceilDiv } from './money';

/**
 * A price markup (charged price = upstream price x markup) as an exact ratio: millionths, a bigint (1.05 -> 1_050_000n).
 * It travels as a decimal string ("1.05") and is never a float, so a charged price is the same on every instance.
 */
export const MARKUP_SCALE = 1_000_000n;
/** The largest markup accepted anywhere (PRICE_MARKUP, a model's own). */
export const MAX_MARKUP_MILLIONTHS = 100n * MARKUP_SCALE;

const MARKUP_TEXT = /^(\d{1,3})(?:\.(\d{1,6}))?$/;

/** Millionths of a markup written as a decimal with up to 6 places, from 0 to 100; null for anything else. */
export function parseMarkup(text: string): bigint | null {
  const match = MARKUP_TEXT.exec(text);
  if (!match) return null;
  const [, whole, fraction = ''] = match;
  const millionths = BigInt(whole) * MARKUP_SCALE + BigInt(fraction.padEnd(6, '0'));
  return millionths <= MAX_MARKUP_MILLIONTHS ? millionths : null;
}

/** The shortest decimal of a markup: 1_050_000n -> "1.05", 1_000_000n -> "1", 1_500_000n -> "1.5". */
export function formatMarkup(millionths: bigint): string {
  if (millionths < 0n) throw new RangeError('a markup is never negative');
  const whole = millionths / MARKUP_SCALE;
  const fraction = (millionths % MARKUP_SCALE).toString().padStart(6, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

/**
 * A price marked up, rounded up to the micro-dollar: the gateway never charges less than upstream x markup. Prices are
 * integers of micro-dollars per million tokens, so "rounded up to 6 decimals" of USD per MTok is this integer ceiling.
 */
export function applyMarkup(priceMicros: bigint, markupMillionths: bigint): bigint {
  return ceilDiv(priceMicros * markupMillionths, MARKUP_SCALE);
}

// Money is integer micro-dollars (bigint) everywhere inside the gateway; decimal strings at the edges.
// No float ever touches an amount: parsing and formatting are done on digits.

export const MICROS_PER_USD = 1_000_000n;

const DECIMAL_USD = /^(-)?(\d{1,15})(?:\.(\d{1,6}))?$/;

/** Parses "12.5" / "12.500000" / "-0.000001" into micro-dollars. Returns null when not a decimal with <= 6 places. */
export function parseUsdToMicros(value: string): bigint | null {
  const match = DECIMAL_USD.exec(value.trim());
  if (!match) return null;
  const [, sign, whole, fraction = ''] = match;
  const micros = BigInt(whole) * MICROS_PER_USD + BigInt(fraction.padEnd(6, '0'));
  return sign ? -micros : micros;
}

/** Formats micro-dollars as a decimal string with exactly 6 places: 12500000n -> "12.500000". */
export function formatMicrosAsUsd(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / MICROS_PER_USD;
  const fraction = (abs % MICROS_PER_USD).toString().padStart(6, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/**
 * Formats micro-dollars with two decimals for messages people read ("$0.12"). Rounds half away from zero, except that
 * a positive amount that would print as 0.00 prints as 0.01 so that a required estimate is never shown as free.
 */
export function formatMicrosAsCents(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  let cents = (abs + 5_000n) / 10_000n;
  if (cents === 0n && abs > 0n && !negative) cents = 1n;
  const text = `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
  return negative && cents > 0n ? `-${text}` : text;
}

/**
 * Formats an amount people set (a limit) exactly, with at least two decimals and as many more as it has:
 * 10000000n -> "10.00", 5000n -> "0.005", 1234567n -> "1.234567". Never rounds: a limit is shown as it is enforced.
 */
export function formatMicrosAsExactUsd(micros: bigint): string {
  const six = formatMicrosAsUsd(micros);
  return six.replace(/(\.\d\d\d*?)0*$/, '$1');
}

/** Integer division rounding up, for non-negative operands: charges are rounded up to the micro-dollar. */
export function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  if (numerator < 0n || denominator <= 0n) throw new RangeError('ceilDiv expects numerator >= 0 and denominator > 0');
  return (numerator + denominator - 1n) / denominator;
}

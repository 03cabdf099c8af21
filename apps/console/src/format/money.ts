// Money arrives as decimal strings in USD with up to 6 places ("12.500000"). It is never turned into a float to be
// added or compared: sums go through integer micro-dollars (bigint), as on the server.

const USD = /^(-)?(\d+)(?:\.(\d{1,6}))?$/;

export function usdToMicros(usd: string): bigint {
  const match = USD.exec(usd.trim());
  if (!match) throw new Error(`Not a USD amount: '${usd}'`);
  const [, minus, whole, fraction = ''] = match;
  const micros = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  return minus ? -micros : micros;
}

export function microsToUsd(micros: bigint): string {
  const negative = micros < 0n;
  const absolute = negative ? -micros : micros;
  const text = `${absolute / 1_000_000n}.${(absolute % 1_000_000n).toString().padStart(6, '0')}`;
  return negative ? `-${text}` : text;
}

/** "$1,234.50", "-$0.00084": two decimals at least, more only when the amount has them. */
export function formatUsd(usd: string): string {
  const micros = usdToMicros(usd);
  const negative = micros < 0n;
  const [whole, fraction] = microsToUsd(negative ? -micros : micros).split('.');
  const shown = fraction.replace(/0+$/, '').padEnd(2, '0');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}$${grouped}.${shown}`;
}

/** "10.000000" -> "10.00", "0.005000" -> "0.005": an amount from the API as a person types it (no $, no commas). */
export function plainUsd(usd: string): string {
  const [whole, fraction = ''] = usd.split('.');
  return `${whole}.${fraction.replace(/0+$/, '').padEnd(2, '0')}`;
}

/** For charts only (an axis does not need micro-dollar precision). */
export function microsToNumber(micros: bigint): number {
  return Number(micros) / 1_000_000;
}

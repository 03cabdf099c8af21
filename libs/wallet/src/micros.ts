/** The largest amount the wallet takes: its scripts compute in doubles, exact up to 2^53 micro-dollars ($9 billion). */
export const MAX_WALLET_MICROS = BigInt(Number.MAX_SAFE_INTEGER);

export class InvalidAmountError extends RangeError {
  constructor(what: string, value: bigint, min: bigint) {
    super(`${what} must be an integer from ${min} to ${MAX_WALLET_MICROS} micro-dollars, not ${value}`);
    this.name = 'InvalidAmountError';
  }
}

export function assertMicros(value: bigint, what: string, min: bigint, max: bigint = MAX_WALLET_MICROS): void {
  if (typeof value !== 'bigint' || value < min || value > max) throw new InvalidAmountError(what, value, min);
}

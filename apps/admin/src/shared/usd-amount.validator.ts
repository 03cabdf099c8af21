import { ValidateBy, ValidationOptions } from 'class-validator';
import { formatMicrosAsUsd, parseUsdToMicros } from '@gw/common';

const UNSIGNED_DECIMAL = /^\d{1,15}(\.\d{1,6})?$/;
const SIGNED_DECIMAL = /^-?\d{1,15}(\.\d{1,6})?$/;

export interface UsdBounds {
  /** Lower bound in micro-dollars (inclusive unless `exclusiveMin`). */
  min: bigint;
  exclusiveMin?: boolean;
  /** Upper bound in micro-dollars, inclusive. */
  max: bigint;
  /** Accept a leading minus (adjustments); amounts are unsigned otherwise. */
  signed?: boolean;
}

/** Micro-dollars of a valid amount string, or null: the only place amounts from clients are parsed. */
export function usdStringToMicros(value: unknown, bounds: UsdBounds): bigint | null {
  if (typeof value !== 'string' || !(bounds.signed ? SIGNED_DECIMAL : UNSIGNED_DECIMAL).test(value)) return null;
  const micros = parseUsdToMicros(value);
  if (micros === null) return null;
  const aboveMin = bounds.exclusiveMin ? micros > bounds.min : micros >= bounds.min;
  return aboveMin && micros <= bounds.max ? micros : null;
}

/**
 * Money arrives as a decimal string in USD with up to 6 places ("12.50"), never a JSON number (a float cannot carry
 * every micro-dollar exactly).
 */
export function IsUsdAmount(bounds: UsdBounds, options?: ValidationOptions): PropertyDecorator {
  const lower = `${bounds.exclusiveMin ? 'greater than' : 'at least'} ${formatMicrosAsUsd(bounds.min)}`;
  return ValidateBy(
    {
      name: 'isUsdAmount',
      validator: {
        validate: (value: unknown) => usdStringToMicros(value, bounds) !== null,
        defaultMessage: (args) =>
          `${args?.property} must be a decimal string in USD with up to 6 decimal places (e.g. "12.50"), ${lower} ` +
          `and at most ${formatMicrosAsUsd(bounds.max)}`,
      },
    },
    options,
  );
}

import { ValidateBy, ValidationOptions } from 'class-validator';

/** The index of the first entry of `value` that is not a JSON object (null and arrays are not), or -1. */
function firstNonObjectEntry(value: unknown): number {
  if (!Array.isArray(value)) return -1;
  return value.findIndex((entry) => typeof entry !== 'object' || entry === null || Array.isArray(entry));
}

/**
 * Every entry of an array of nested DTOs is a JSON object: put it beside `@ValidateNested({ each: true })`. On its own,
 * class-validator's ValidateNested takes an entry that is itself an array for a collection and validates that array's
 * entries instead, so `[[]]` (nothing to validate) or `[[{...}]]` passed and reached the service as a link without
 * fields, where the database query failed with a 500. Anything but an array is left to @IsArray.
 */
export function IsObjectEach(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isObjectEach',
      validator: {
        validate: (value: unknown) => firstNonObjectEntry(value) === -1,
        defaultMessage: (args) => `entry ${firstNonObjectEntry(args?.value)} must be a JSON object`,
      },
    },
    options,
  );
}

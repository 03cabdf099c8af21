import { ValidateBy, ValidationOptions } from 'class-validator';
import { parseMarkup } from '@gw/common';

/** A markup as a decimal string ("1.05"), 0 to 100 with up to 6 places, never a JSON number. */
export function IsMarkup(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMarkup',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseMarkup(value) !== null,
        defaultMessage: (args) =>
          `${args?.property} must be a decimal string from 0 to 100 with up to 6 decimal places (e.g. "1.05")`,
      },
    },
    options,
  );
}

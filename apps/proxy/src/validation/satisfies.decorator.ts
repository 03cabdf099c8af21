import { registerDecorator } from 'class-validator';

/** A property check for the union types class-validator has no decorator for (string or array, string or object). */
export function Satisfies(name: string, validate: (value: unknown) => boolean, message: string): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message },
      validator: { validate },
    });
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Union parameters such as tool_choice or a container: a string or an object. */
export const IsStringOrObject = () =>
  Satisfies(
    'isStringOrObject',
    (value) => typeof value === 'string' || isPlainObject(value),
    '$property must be a string or an object',
  );

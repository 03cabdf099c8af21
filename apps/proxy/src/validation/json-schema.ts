/**
 * Small builders for the JSON Schemas of request bodies (validation/body-schema.ts compiles them with Ajv). Objects
 * never close their property list: the gateway checks what it reads and passes every other field on to the provider,
 * whose API keeps growing (spec: refuse only what is invalid).
 */
export type Schema = Record<string, unknown>;

const typesOf = (schema: Schema): string[] =>
  schema.type === undefined ? [] : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];

/** Also accepts null, which the providers' APIs (and their SDKs) take as "not set" for optional parameters. */
export function nullable(schema: Schema): Schema {
  const nullableSchema: Schema = { ...schema };
  const types = typesOf(schema);
  if (types.length > 0 && !types.includes('null')) nullableSchema.type = [...types, 'null'];
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) nullableSchema.enum = [...schema.enum, null];
  return nullableSchema;
}

export const string = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
export const boolean = (): Schema => ({ type: 'boolean' });
export const integer = (extra: Schema = {}): Schema => ({ type: 'integer', ...extra });
export const number = (extra: Schema = {}): Schema => ({ type: 'number', ...extra });
export const oneOfValues = (values: readonly (string | number)[]): Schema => ({ enum: [...values] });
export const arrayOf = (items: Schema, extra: Schema = {}): Schema => ({ type: 'array', items, ...extra });

/**
 * An object with required and optional fields (optional ones may be null). Fields it does not name are allowed and
 * not looked at.
 */
export function object(fields: { required?: Record<string, Schema>; optional?: Record<string, Schema> } = {}, extra: Schema = {}): Schema {
  const required = fields.required ?? {};
  const optional = Object.fromEntries(Object.entries(fields.optional ?? {}).map(([name, schema]) => [name, nullable(schema)]));
  const schema: Schema = { type: 'object', properties: { ...required, ...optional }, ...extra };
  if (Object.keys(required).length > 0) schema.required = Object.keys(required);
  return schema;
}

/**
 * Extra checks for the items of a tagged union (content parts, content blocks) whose `type` is `tag`; items of other
 * types are left to the provider. Combine them with `allOf`.
 */
export function whenType(tag: string, then: { required?: Record<string, Schema>; optional?: Record<string, Schema> }): Schema {
  return { if: { required: ['type'], properties: { type: { const: tag } } }, then: object(then) };
}

/** The message a client gets when this schema (not one nested in it) refuses a value, instead of the generic one. */
export const withMessage = (schema: Schema, message: string): Schema => ({ ...schema, errorText: message });

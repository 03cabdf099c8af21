import { isObject, Json } from '../../shared/values';

/**
 * Gemini's `Schema` (an OpenAPI 3.0 subset: upper-case types, `nullable`) -> JSON Schema, for a Gemini client's
 * `parameters` / `responseSchema` sent to a provider that takes JSON Schema. Gemini's own `parametersJsonSchema` /
 * `responseJsonSchema` need no conversion, and a JSON Schema goes to Gemini in those fields as is.
 */
export function geminiSchemaToJsonSchema(schema: unknown): Json {
  if (!isObject(schema)) return {};
  const out: Json = {};
  for (const key in schema) {
    const value = schema[key];
    switch (key) {
      case 'type':
        out.type = typeof value === 'string' ? value.toLowerCase() : value;
        break;
      case 'nullable':
        break;
      case 'propertyOrdering':
        // Gemini's hint for the order of generated keys; JSON Schema has no such keyword.
        break;
      case 'properties':
        if (isObject(value)) {
          const properties: Json = {};
          for (const name in value) properties[name] = geminiSchemaToJsonSchema(value[name]);
          out.properties = properties;
        }
        break;
      case 'items':
        out.items = geminiSchemaToJsonSchema(value);
        break;
      case 'anyOf':
        out.anyOf = Array.isArray(value) ? value.map(geminiSchemaToJsonSchema) : value;
        break;
      default:
        out[key] = value;
    }
  }
  if (schema.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

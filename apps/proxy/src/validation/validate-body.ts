import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { GatewayError, type WireProtocol } from '@gw/common';
import type { Schema } from './json-schema';

/**
 * Ajv compiles each schema once into plain JavaScript: checking a body costs a few nanoseconds per field and copies
 * nothing (class-transformer, used before, copied the whole body into class instances: about 12 µs per message, so
 * half a second of blocked event loop for a 10 MB conversation). One problem is reported, the first one found.
 */
const ajv = new Ajv({
  allErrors: false,
  // Union types (`string` or `array`) are how the providers' parameters are typed.
  allowUnionTypes: true,
  // `required` inside if/then names fields declared beside it, not inside it.
  strictRequired: false,
  // Errors carry the refusing schema, for its `errorText`.
  verbose: true,
  messages: false,
});
ajv.addKeyword({ keyword: 'errorText', schemaType: 'string' });

/** A compiled request schema; routes name it in @GatewayRoute({ body }). */
export interface BodySchema {
  readonly name: string;
  readonly check: ValidateFunction;
}

export function compileBodySchema(name: string, schema: Schema): BodySchema {
  return { name, check: ajv.compile(schema) };
}

const PLURAL: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  null: 'null',
};

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** What is wrong with the value, in words a client can act on ("must be at most 2"). */
function detail(error: ErrorObject): string {
  const text = (error.parentSchema as { errorText?: string } | undefined)?.errorText;
  if (text) return text;
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type': {
      const types = Array.isArray(p.type) ? (p.type as string[]) : String(p.type).split(',');
      // null stands for "not set" on optional parameters: not a value worth suggesting.
      const suggested = types.length > 1 ? types.filter((type) => type !== 'null') : types;
      return `must be ${orList(suggested.map((type) => PLURAL[type] ?? type))}`;
    }
    case 'enum':
      return `must be one of ${orList((p.allowedValues as unknown[]).filter((v) => v !== null).map((v) => `'${String(v)}'`))}`;
    case 'const':
      return `must be '${String(p.allowedValue)}'`;
    case 'minimum':
      return `must be at least ${String(p.limit)}`;
    case 'maximum':
      return `must be at most ${String(p.limit)}`;
    case 'exclusiveMinimum':
      return `must be greater than ${String(p.limit)}`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long`;
    case 'minItems':
      return p.limit === 1 ? 'must not be empty' : `must hold at least ${String(p.limit)} items`;
    case 'maxItems':
      return `must hold at most ${String(p.limit)} items`;
    default:
      return 'is invalid';
  }
}

/** "/messages/0/content" -> "messages.0.content" (JSON Pointer escapes undone). */
const fieldOf = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');

/** The problem in each provider's own words: OpenAI's sentences, Anthropic's pydantic-style "field: problem". */
function describe(error: ErrorObject, protocol: WireProtocol): string {
  const at = fieldOf(error.instancePath);
  if (error.keyword === 'required') {
    const field = at ? `${at}.${String(error.params.missingProperty)}` : String(error.params.missingProperty);
    return protocol === 'anthropic' ? `${field}: Field required` : `Missing required parameter: '${field}'.`;
  }
  const field = at || 'body';
  return protocol === 'anthropic' ? `${field}: ${detail(error)}` : `Invalid value for '${field}': ${detail(error)}`;
}

/**
 * The first problem of a request body (or query), naming its field, worded as the caller's provider words it; null
 * when it is valid. Pure: a worker thread checks large bodies with it where it parsed them (JsonOffload.validate then
 * reuses that verdict on the event loop).
 */
export function bodyProblem(schema: BodySchema, body: unknown, protocol: WireProtocol): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'Request body must be a JSON object';
  if (schema.check(body)) return null;
  const [error] = schema.check.errors ?? [];
  return error ? describe(error, protocol) : 'Invalid request body';
}

/**
 * Validates a request body (or query) against its schema; 400 naming the first problem. Returns the input as sent:
 * upstream gets exactly what the client wrote, unknown fields included, plus the gateway's own changes.
 */
export function validateBody(schema: BodySchema, body: unknown, protocol: WireProtocol = 'openai'): Record<string, unknown> {
  const problem = bodyProblem(schema, body, protocol);
  if (problem !== null) throw GatewayError.invalidRequest(problem);
  return body as Record<string, unknown>;
}

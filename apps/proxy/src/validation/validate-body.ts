import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { GatewayError, WireProtocol } from '@gw/common';

/** One problem in each provider's own words (OpenAI's messages, Anthropic's pydantic-style "field: problem"). */
function describe(protocol: WireProtocol, field: string, constraint: string, message: string, value: unknown): string {
  const unknownField = constraint === 'whitelistValidation';
  const detail = message.replace(/^\S+ /, '');
  if (protocol === 'anthropic') {
    if (unknownField) return `${field}: Extra inputs are not permitted`;
    return value === undefined ? `${field}: Field required` : `${field}: ${detail}`;
  }
  if (unknownField) return `Unrecognized request argument supplied: ${field}`;
  return value === undefined ? `Missing required parameter: '${field}'.` : `Invalid value for '${field}': ${detail}`;
}

/** "messages.2.role: role must be one of ..." for the first problem found, naming the field. */
function firstProblem(errors: ValidationError[], protocol: WireProtocol, path = ''): string | null {
  for (const error of errors) {
    const field = path ? `${path}.${error.property}` : error.property;
    if (error.constraints) {
      const [constraint, message] = Object.entries(error.constraints)[0];
      return describe(protocol, field, constraint, message, error.value);
    }
    const nested = firstProblem(error.children ?? [], protocol, field);
    if (nested) return nested;
  }
  return null;
}

/**
 * Validates a request body (or query) against a DTO: unknown top-level fields are refused (as the providers do),
 * types and required fields are checked, and the first problem is reported naming its field, worded as the caller's
 * provider words it. Returns the input as sent (the validated DTO is not forwarded: upstream gets exactly what the
 * client wrote, plus our own changes).
 */
export function validateBody<T extends object>(
  dto: ClassConstructor<T>,
  body: unknown,
  protocol: WireProtocol = 'openai',
): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw GatewayError.invalidRequest('Request body must be a JSON object');
  }
  const instance = plainToInstance(dto, body, { enableImplicitConversion: false });
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false });
  if (errors.length > 0) throw GatewayError.invalidRequest(firstProblem(errors, protocol) ?? 'Invalid request body');
  const dropped = droppedField(body, instance, '');
  if (dropped !== null) throw GatewayError.invalidRequest(describe(protocol, dropped, 'whitelistValidation', '', null));
  return body as Record<string, unknown>;
}

const isDto = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype;

/**
 * A field of the input that never reached the DTO, so the whitelist could not see it: class-transformer skips keys
 * named like the prototype's methods (`toString`, `hasOwnProperty`). Those are unknown fields too.
 */
function droppedField(plain: unknown, instance: unknown, path: string): string | null {
  if (Array.isArray(plain) && Array.isArray(instance)) {
    for (let i = 0; i < plain.length; i++) {
      const dropped = droppedField(plain[i], instance[i], `${path}${i}.`);
      if (dropped !== null) return dropped;
    }
    return null;
  }
  if (!isDto(instance) || typeof plain !== 'object' || plain === null) return null;
  const from = plain as Record<string, unknown>;
  const to = instance as Record<string, unknown>;
  for (const key of Object.keys(from)) {
    if (!Object.prototype.hasOwnProperty.call(to, key)) return `${path}${key}`;
    const dropped = droppedField(from[key], to[key], `${path}${key}.`);
    if (dropped !== null) return dropped;
  }
  return null;
}

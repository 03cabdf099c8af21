import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { GatewayError } from '@gw/common';

/** "messages.2.role: role must be one of ..." for the first problem found, naming the field. */
function firstProblem(errors: ValidationError[], path = ''): string | null {
  for (const error of errors) {
    const field = path ? `${path}.${error.property}` : error.property;
    if (error.constraints) {
      const [constraint, message] = Object.entries(error.constraints)[0];
      if (constraint === 'whitelistValidation') return `Unrecognized request argument supplied: ${field}`;
      return `Invalid value for '${field}': ${message.replace(/^\S+ /, '')}`;
    }
    const nested = firstProblem(error.children ?? [], field);
    if (nested) return nested;
  }
  return null;
}

/**
 * Validates a request body against a DTO: unknown top-level fields are refused (as the providers do), types and
 * required fields are checked, and the first problem is reported naming its field. Returns the body as sent (the
 * validated DTO is not forwarded: upstream gets exactly what the client wrote, plus our own changes).
 */
export function validateBody<T extends object>(dto: ClassConstructor<T>, body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw GatewayError.invalidRequest('Request body must be a JSON object');
  }
  const instance = plainToInstance(dto, body, { enableImplicitConversion: false });
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false });
  if (errors.length > 0) throw GatewayError.invalidRequest(firstProblem(errors) ?? 'Invalid request body');
  return body as Record<string, unknown>;
}

import { ArgumentMetadata, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { GatewayError } from '@gw/common';

/** "Invalid value for 'amountUsd': ..." for the first problem found, naming the field (nested: "a.0.b"). */
export function describeValidationErrors(errors: ValidationError[], path = ''): string | null {
  for (const error of errors) {
    const field = path ? `${path}.${error.property}` : error.property;
    if (error.constraints) {
      if ('whitelistValidation' in error.constraints) return `Unrecognized field '${field}'`;
      if (error.value === undefined) return `Missing required field '${field}'`;
      const reasons = Object.values(error.constraints).map((message) =>
        message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message,
      );
      // Validators run bottom-up, so list the reasons in the order the DTO declares them (type before range).
      return `Invalid value for '${field}': ${reasons.reverse().join('; ')}`;
    }
    const nested = describeValidationErrors(error.children ?? [], field);
    if (nested) return nested;
  }
  return null;
}

const OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: false,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
  validationError: { target: false, value: true },
  exceptionFactory: (errors: ValidationError[]) =>
    GatewayError.invalidRequest(describeValidationErrors(errors) ?? 'Invalid request body'),
};

/**
 * Bodies and query strings are validated against their DTO: unknown fields are refused, nothing is converted
 * implicitly (a number is not a string), and the 400 names the first bad field. A body must be a JSON object; no body
 * at all counts as an empty one (then required fields are reported missing).
 */
export class AdminValidationPipe extends ValidationPipe {
  constructor() {
    super(OPTIONS);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && typeof metadata.metatype === 'function' && metadata.metatype !== Object) {
      if (value === undefined || value === null) value = {};
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw GatewayError.invalidRequest('Request body must be a JSON object');
      }
    }
    return super.transform(value, metadata);
  }
}

import { ArgumentMetadata, SetMetadata, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { GatewayError } from '@gw/common';
import { findUnstorableText } from '../shared/storable-text';

const BODY_OPTIONAL = 'admin:body-optional';

/**
 * On a DTO whose fields are all optional and for which "no body at all" has a meaning of its own (a reconciliation of
 * everything). Any other body DTO requires a body: a PATCH without one is a client's mistake, not "change nothing".
 */
export const BodyOptional = (): ClassDecorator => SetMetadata(BODY_OPTIONAL, true);

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
 * Bodies, query strings and path parameters are validated: unknown fields are refused, nothing is converted
 * implicitly (a number is not a string), text the database cannot store (NUL, unpaired surrogates) is refused, and the
 * 400 names the first bad field. A body must be a JSON object (`null` is not one); a request without a body is refused
 * too, unless its DTO is marked @BodyOptional (then it counts as an empty object).
 */
export class AdminValidationPipe extends ValidationPipe {
  constructor() {
    super(OPTIONS);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && typeof metadata.metatype === 'function' && metadata.metatype !== Object) {
      value = requireObjectBody(value, metadata.metatype);
    }
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const problem = findUnstorableText(value, metadata.data ?? null);
      if (problem) throw GatewayError.invalidRequest(problem);
    }
    return super.transform(value, metadata);
  }
}

function requireObjectBody(value: unknown, dto: Function): object {
  if (value === undefined) {
    if (Reflect.getMetadata(BODY_OPTIONAL, dto) === true) return {};
    throw GatewayError.invalidRequest('Request body is required: send a JSON object (Content-Type: application/json)');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw GatewayError.invalidRequest('Request body must be a JSON object');
  }
  return value;
}

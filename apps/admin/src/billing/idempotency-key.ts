import { GatewayError } from '@gw/common';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The `Idempotency-Key` header: absent -> null; present, it must be 1-255 printable ASCII characters. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  if (typeof header === 'string' && IDEMPOTENCY_KEY.test(header)) return header;
  throw GatewayError.invalidRequest(
    "Invalid value for 'Idempotency-Key' header: send one value of 1-255 printable ASCII characters",
  );
}

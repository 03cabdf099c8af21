import { GatewayError, GatewayErrorCode } from '@gw/common';

/** 409: the request is valid but contradicts the current state (a revoked key, an email already taken). */
export function conflict(message: string): GatewayError {
  return new GatewayError(GatewayErrorCode.INVALID_REQUEST, message, { status: 409 });
}

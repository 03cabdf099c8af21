/**
 * The gateway's error vocabulary (spec/errors.md). Code -> HTTP status and wire `type` are fixed by the public
 * contract; each protocol's filter only decides the JSON envelope.
 */
export enum GatewayErrorCode {
  INVALID_REQUEST = 'invalid_request',
  UNAUTHENTICATED = 'unauthenticated',
  INSUFFICIENT_QUOTA = 'insufficient_quota',
  PERMISSION_DENIED = 'permission_denied',
  NOT_FOUND = 'not_found',
  PAYLOAD_TOO_LARGE = 'payload_too_large',
  RATE_LIMITED = 'rate_limited',
  INTERNAL = 'internal',
  UPSTREAM_ERROR = 'upstream_error',
  SERVICE_UNAVAILABLE = 'service_unavailable',
  TIMEOUT = 'timeout',
}

interface WireCode {
  status: number;
  type: string;
}

const WIRE: Record<GatewayErrorCode, WireCode> = {
  [GatewayErrorCode.INVALID_REQUEST]: { status: 400, type: 'invalid_request_error' },
  [GatewayErrorCode.UNAUTHENTICATED]: { status: 401, type: 'authentication_error' },
  [GatewayErrorCode.INSUFFICIENT_QUOTA]: { status: 402, type: 'insufficient_quota' },
  [GatewayErrorCode.PERMISSION_DENIED]: { status: 403, type: 'permission_error' },
  [GatewayErrorCode.NOT_FOUND]: { status: 404, type: 'not_found' },
  [GatewayErrorCode.PAYLOAD_TOO_LARGE]: { status: 413, type: 'invalid_request_error' },
  [GatewayErrorCode.RATE_LIMITED]: { status: 429, type: 'rate_limit_error' },
  [GatewayErrorCode.INTERNAL]: { status: 500, type: 'server_error' },
  [GatewayErrorCode.UPSTREAM_ERROR]: { status: 502, type: 'upstream_error' },
  [GatewayErrorCode.SERVICE_UNAVAILABLE]: { status: 503, type: 'service_unavailable' },
  [GatewayErrorCode.TIMEOUT]: { status: 504, type: 'timeout' },
};

/** The wire type for an HTTP status, for provider errors passed on with their own status (e.g. a 422). */
export function wireTypeForStatus(status: number): string {
  for (const wire of Object.values(WIRE)) if (wire.status === status) return wire.type;
  return status >= 500 ? 'upstream_error' : 'invalid_request_error';
}

export const INTERNAL_ERROR_MESSAGE = 'Internal gateway error';

export class GatewayError extends Error {
  readonly status: number;
  readonly type: string;

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    options: {
      /** Extra response headers, e.g. Retry-After. */
      headers?: Record<string, string>;
      /** Overrides the code's status, for provider 4xx passed on with their own status. */
      status?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'GatewayError';
    const wire = WIRE[code];
    this.status = options.status ?? wire.status;
    this.type = options.status ? wireTypeForStatus(options.status) : wire.type;
    this.headers = options.headers ?? {};
  }

  readonly headers: Record<string, string>;

  static invalidRequest(message: string): GatewayError {
    return new GatewayError(GatewayErrorCode.INVALID_REQUEST, message);
  }

  static unauthenticated(): GatewayError {
    return new GatewayError(GatewayErrorCode.UNAUTHENTICATED, 'Invalid API key');
  }

  static notFound(message: string): GatewayError {
    return new GatewayError(GatewayErrorCode.NOT_FOUND, message);
  }

  static permissionDenied(message: string): GatewayError {
    return new GatewayError(GatewayErrorCode.PERMISSION_DENIED, message);
  }

  static rateLimited(retryAfterSeconds: number, extraHeaders: Record<string, string> = {}): GatewayError {
    return new GatewayError(
      GatewayErrorCode.RATE_LIMITED,
      `Rate limit exceeded. Retry after ${retryAfterSeconds} seconds.`,
      { headers: { ...extraHeaders, 'retry-after': String(retryAfterSeconds) } },
    );
  }

  static timeout(seconds: number): GatewayError {
    return new GatewayError(GatewayErrorCode.TIMEOUT, `Request timed out after ${seconds} seconds`);
  }

  static unavailable(message: string, headers?: Record<string, string>): GatewayError {
    return new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, message, { headers });
  }

  static upstream(message: string): GatewayError {
    return new GatewayError(GatewayErrorCode.UPSTREAM_ERROR, message);
  }
}

/**
 * The gateway's own shutdown ended the request (past SHUTDOWN_GRACE_MS): a 503 for the client, and a distinct outcome
 * in the usage record ('gateway_shutdown'), since neither the client nor the provider ended it.
 */
export class GatewayShutdownError extends GatewayError {
  constructor() {
    super(GatewayErrorCode.SERVICE_UNAVAILABLE, 'The gateway is shutting down');
    this.name = 'GatewayShutdownError';
  }
}

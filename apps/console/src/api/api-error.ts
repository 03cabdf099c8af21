/** A failed call, carrying the admin API's own message (`{ "error": { "message", "type", "code" } }`). */
export class ApiError extends Error {
  constructor(
    message: string,
    /** The HTTP status; 0 when no answer arrived. */
    readonly status: number,
    readonly type: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The error of an answer that was not 2xx: the API's message when the body has one, else the status line. */
export function apiErrorFrom(status: number, statusText: string, body: unknown): ApiError {
  const error = (body as { error?: { message?: unknown; type?: unknown } } | null)?.error;
  if (error && typeof error.message === 'string' && error.message.length > 0) {
    return new ApiError(error.message, status, typeof error.type === 'string' ? error.type : null);
  }
  return new ApiError(`The admin API answered ${status}${statusText ? ` ${statusText}` : ''}`, status);
}

/** What to show for anything thrown by a call (or a bug): never nothing. */
export function messageOf(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong, and the console does not know what';
}

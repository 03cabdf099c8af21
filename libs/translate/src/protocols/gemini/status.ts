/** Google's canonical status names by HTTP status (spec/protocols.md, Gemini errors). */
const GOOGLE_STATUS: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  402: 'FAILED_PRECONDITION',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** The `status` of a Google error body for an HTTP status: INTERNAL for other 5xx, INVALID_ARGUMENT for other 4xx. */
export function googleStatus(httpStatus: number): string {
  return GOOGLE_STATUS[httpStatus] ?? (httpStatus >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
}

/** Label values with a bounded set: anything else collapses into one of these. */
export const NO_MODEL = 'none';
export const OTHER = 'other';

/** HTTP status as its code ("200", "429"); 499 when the client left before the response was complete. */
export function statusLabel(status: number): string {
  return status >= 100 && status <= 599 ? String(status) : OTHER;
}

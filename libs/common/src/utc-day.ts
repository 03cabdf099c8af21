const UTC_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "YYYY-MM-DD" of the UTC day `at` falls in. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** True for a real calendar day written "YYYY-MM-DD" (2026-02-28, not 2026-02-30). */
export function isUtcDay(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = UTC_DAY.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  if (year < 1) return false;
  const date = new Date(Date.UTC(year, Number(match[2]) - 1, Number(match[3])));
  return !Number.isNaN(date.getTime()) && utcDay(date) === value;
}

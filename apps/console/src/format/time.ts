/** "2026-12-06 08:20:31 UTC": the API's timestamps are UTC, and staff in several time zones compare them. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** YYYY-MM-DD of a UTC day, `days` after `from` (negative: before). */
export function utcDay(from: Date, days = 0): string {
  return new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

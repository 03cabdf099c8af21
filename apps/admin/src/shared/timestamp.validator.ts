import { ValidateBy, ValidationOptions } from 'class-validator';

/** RFC 3339 date-time (the offset is required: without one, the time would be read in the server's zone), or a date. */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2})))?$/i;
/** The range the database and every client can hold: years 1 to 9999, in UTC. */
const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

function isCalendarDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * The instant a client's timestamp names, or null when it is not one the admin API accepts: `2026-11-25T10:00:00Z`,
 * `2026-11-25T10:00:00.123+01:00` or `2026-11-25` (midnight UTC), a real calendar day and time, within years 1 to
 * 9999 once in UTC. Everything a date library would guess at (week dates, ordinal dates, no offset, hour 24, leap
 * second 60, a year 10000 reached through an offset) is refused rather than sent to the database.
 */
export function parseTimestamp(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const match = TIMESTAMP.exec(value);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, offsetHour, offsetMinute] = match.map(Number);
  if (year < 1 || !isCalendarDay(year, month, day)) return null;
  if (match[4] !== undefined && (hour > 23 || minute > 59 || second > 59)) return null;
  if (match[8] !== undefined && (offsetHour > 23 || offsetMinute > 59)) return null;
  const date = new Date(match[4] === undefined ? `${match[1]}-${match[2]}-${match[3]}T00:00:00Z` : value);
  const time = date.getTime();
  return Number.isNaN(time) || time < EARLIEST || time > LATEST ? null : date;
}

/** For the OpenAPI document: what IsTimestamp fields accept. */
export const TIMESTAMP_FORMAT = 'RFC 3339 with a time zone, or YYYY-MM-DD; years 1-9999';

/** A timestamp parseTimestamp accepts. */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimestamp',
      validator: {
        validate: (value: unknown) => parseTimestamp(value) !== null,
        defaultMessage: (args) =>
          `${args?.property} must be an RFC 3339 date-time with a time zone (e.g. 2026-11-25T10:00:00Z) or a date ` +
          '(2026-11-25), in the years 1 to 9999',
      },
    },
    options,
  );
}

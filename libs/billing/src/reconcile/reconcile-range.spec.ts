import { PermanentReconciliationError, runRange, scheduledRange, scheduledRunId } from './reconcile-range';

describe(runRange.name, () => {
  const createdAt = new Date('2026-11-25T12:34:56.789Z');

  it('checks the range asked for, and without an end up to the moment the run was asked for', () => {
    const from = new Date('2026-11-01T00:00:00.000Z');
    const to = new Date('2026-11-02T00:00:00.000Z');
    expect(runRange({ rangeFrom: from, rangeTo: to, createdAt })).toEqual({ from, to });
    expect(runRange({ rangeFrom: null, rangeTo: null, createdAt })).toEqual({ from: null, to: createdAt });
    expect(runRange({ rangeFrom: from, rangeTo: null, createdAt })).toEqual({ from, to: createdAt });
  });

  it('refuses an empty range for good', () => {
    const at = new Date('2026-11-01T00:00:00.000Z');
    expect(() => runRange({ rangeFrom: at, rangeTo: at, createdAt })).toThrow(PermanentReconciliationError);
    expect(() => runRange({ rangeFrom: createdAt, rangeTo: null, createdAt })).toThrow(/range is empty/);
  });
});

describe(scheduledRange.name, () => {
  it('covers the previous full UTC hour plus five minutes before it, wherever in the hour it fires', () => {
    const expected = { from: new Date('2026-11-25T08:55:00.000Z'), to: new Date('2026-11-25T10:00:00.000Z') };
    expect(scheduledRange(new Date('2026-11-25T10:05:00.000Z'))).toEqual(expected);
    expect(scheduledRange(new Date('2026-11-25T10:59:59.999Z'))).toEqual(expected);
    expect(scheduledRange(new Date('2026-11-25T10:00:00.000Z'))).toEqual(expected);
  });
});

describe(scheduledRunId.name, () => {
  it('is one UUID per range: the same for every firing and retry of an hour, another for the next hour', () => {
    const hour = scheduledRange(new Date('2026-11-25T10:05:00.000Z'));
    const id = scheduledRunId(hour);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(scheduledRunId(scheduledRange(new Date('2026-11-25T10:41:00.000Z')))).toBe(id);
    expect(scheduledRunId(scheduledRange(new Date('2026-11-25T11:05:00.000Z')))).not.toBe(id);
  });
});

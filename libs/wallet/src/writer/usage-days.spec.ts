import type { WalletEventOutcome, WalletEventRow } from '@gw/db';
import { usageDaysWritten } from './usage-days';

function event(entryId: string, createdAt: string | null, withUsage = true): WalletEventRow {
  return {
    entryId,
    usage: withUsage ? ({ createdAt: createdAt === null ? null : new Date(createdAt) } as WalletEventRow['usage']) : null,
  } as WalletEventRow;
}

describe(usageDaysWritten.name, () => {
  it('names the UTC days of the records written, each once, in order', () => {
    const events = [
      event('a', '2026-12-04T23:59:59.999Z'),
      event('b', '2026-12-02T10:00:00Z'),
      event('c', '2026-12-04T00:00:00Z'),
      event('d', '2026-12-07T00:10:00Z'),
      event('e', '2026-12-05T23:59:59.999Z'),
    ];
    const applied = new Map(events.map((e) => [e.entryId, 'applied' as WalletEventOutcome]));
    expect(usageDaysWritten(events, applied)).toEqual(['2026-12-02', '2026-12-04', '2026-12-05', '2026-12-07']);
  });

  it('leaves out what wrote no record: other outcomes, events without a record or a date', () => {
    const events = [event('dup', '2026-12-01T00:00:00Z'), event('deferred', '2026-12-01T00:00:00Z'), event('none', null, false), event('undated', null)];
    const outcomes = new Map<string, WalletEventOutcome>([
      ['dup', 'duplicate'],
      ['deferred', 'deferred'],
      ['none', 'applied'],
      ['undated', 'applied'],
    ]);
    expect(usageDaysWritten(events, outcomes)).toEqual([]);
  });
});

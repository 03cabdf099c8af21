import type { ThresholdState } from '@gw/db';
import { alertCrossings } from './alert-crossings';
import { alertEventBody, alertSignature } from './alert-event';

const state = (thresholdMicros: bigint, armed: boolean): ThresholdState => ({
  thresholdMicros,
  armed,
  firedAt: armed ? null : new Date(0),
  firedAfterEntryId: armed ? null : 1n,
});

describe(alertCrossings.name, () => {
  const TEN = 10_000_000n;
  const ONE = 1_000_000n;

  it('fires every armed threshold the balance is below, at once', () => {
    expect(alertCrossings([state(TEN, true), state(ONE, true)], 500_000n)).toEqual({ fire: [TEN, ONE], rearmIfCredited: [] });
    expect(alertCrossings([state(TEN, true), state(ONE, true)], 5_000_000n)).toEqual({ fire: [TEN], rearmIfCredited: [] });
  });

  it('does not fire at the threshold itself (below means below) or again while fired', () => {
    expect(alertCrossings([state(TEN, true)], TEN)).toEqual({ fire: [], rearmIfCredited: [] });
    expect(alertCrossings([state(TEN, false)], 1n)).toEqual({ fire: [], rearmIfCredited: [] });
  });

  it('asks to re-arm a fired threshold once the balance is back above it, not at it', () => {
    expect(alertCrossings([state(TEN, false), state(ONE, false)], 5_000_000n)).toEqual({ fire: [], rearmIfCredited: [ONE] });
    expect(alertCrossings([state(TEN, false)], TEN + 1n)).toEqual({ fire: [], rearmIfCredited: [TEN] });
    expect(alertCrossings([state(TEN, false)], TEN)).toEqual({ fire: [], rearmIfCredited: [] });
  });
});

describe(alertEventBody.name, () => {
  it('is the contract\'s event, money as decimal strings, signed over its exact bytes', () => {
    const body = alertEventBody({
      accountId: '7f1b6c3e-0000-4000-8000-000000000001',
      thresholdMicros: 10_000_000n,
      balanceMicros: 9_950_001n,
      at: new Date('2026-12-06T10:00:00.000Z'),
    });
    expect(JSON.parse(body)).toEqual({
      type: 'balance.below_threshold',
      accountId: '7f1b6c3e-0000-4000-8000-000000000001',
      thresholdUsd: '10.000000',
      balanceUsd: '9.950001',
      at: '2026-12-06T10:00:00.000Z',
    });
    // HMAC-SHA256 of "abc" with the key "key" (a known vector).
    expect(alertSignature('abc', 'key')).toBe('sha256=9c196e32dc0175f86f4b1cb89289d6619de6bee699e4c378e68309ed97a1a6ab');
  });
});

import { nextPassDelay, PassPacing } from './pass-pacing';

const pacing: PassPacing = { batchSize: 500, pollMs: 50, gatherMs: 200 };

describe('nextPassDelay', () => {
  it('polls after a pass that found nothing to write, deferred events included', () => {
    expect(nextPassDelay({ read: 0, deferred: 0 }, pacing, 3)).toBe(50);
    expect(nextPassDelay({ read: 4, deferred: 4 }, pacing, 3)).toBe(50);
  });

  it('lets events gather until gatherMs after the start of a pass that wrote less than a full batch', () => {
    expect(nextPassDelay({ read: 12, deferred: 0 }, pacing, 30)).toBe(170);
    expect(nextPassDelay({ read: 1, deferred: 0 }, pacing, 0)).toBe(200);
  });

  it('goes on at once when the pass took gatherMs already, or read a full batch (a backlog)', () => {
    expect(nextPassDelay({ read: 12, deferred: 0 }, pacing, 250)).toBe(0);
    expect(nextPassDelay({ read: 500, deferred: 0 }, pacing, 10)).toBe(0);
    expect(nextPassDelay({ read: 900, deferred: 3 }, pacing, 10)).toBe(0);
  });

  it('with gatherMs 0 writes back to back, as before', () => {
    expect(nextPassDelay({ read: 3, deferred: 0 }, { ...pacing, gatherMs: 0 }, 1)).toBe(0);
  });
});

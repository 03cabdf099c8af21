import { MockStatsRecorder } from './mock-stats';

describe(MockStatsRecorder.name, () => {
  it('counts requests by route and by outcome', () => {
    const stats = new MockStatsRecorder();
    const a = stats.begin('POST /v1/messages');
    const b = stats.begin('POST /v1/messages');
    const c = stats.begin('GET /v1/models');
    stats.begin('GET /v1/models');
    stats.settle(a, 'completed');
    stats.settle(b, 'aborted');
    stats.settle(c, 'dropped');
    expect(stats.snapshot()).toEqual({
      requests: 4,
      byRoute: { 'POST /v1/messages': 2, 'GET /v1/models': 2 },
      inflight: 1,
      aborted: 1,
      completed: 1,
      dropped: 1,
    });
  });

  it('does not count, after a reset, requests that began before it', () => {
    const stats = new MockStatsRecorder();
    const before = stats.begin('POST /v1/chat/completions');
    stats.reset();
    expect(stats.snapshot()).toMatchObject({ requests: 0, byRoute: {}, inflight: 1 });
    stats.settle(before, 'aborted');
    expect(stats.snapshot()).toMatchObject({ requests: 0, inflight: 0, aborted: 0 });
  });
});

import { RequestLog } from './request-log';

describe(RequestLog.name, () => {
  it('returns the last requests, oldest first, and forgets beyond its capacity', () => {
    const log = new RequestLog(3);
    for (let i = 1; i <= 5; i++) log.record('POST', `/p${i}`, {}, { i });
    expect(log.recent(10).map((r) => r.path)).toEqual(['/p3', '/p4', '/p5']);
    expect(log.recent(2).map((r) => r.body)).toEqual([{ i: 4 }, { i: 5 }]);
    expect(log.recent(0)).toEqual([]);
  });

  it('redacts credentials but tells whether there were any', () => {
    const log = new RequestLog(4);
    const headers = { authorization: 'Bearer sk-secret', 'x-api-key': 'sk-ant', 'content-type': 'application/json' };
    log.record('POST', '/v1/messages', headers, null);
    log.record('GET', '/v1/models', { accept: '*/*' }, null);
    const [withAuth, without] = log.recent(2);
    expect(withAuth.headers).toEqual({
      authorization: '[redacted]',
      'x-api-key': '[redacted]',
      'content-type': 'application/json',
    });
    expect(withAuth.hadAuth).toBe(true);
    expect(headers.authorization).toBe('Bearer sk-secret');
    expect(without.headers).toEqual({ accept: '*/*' });
    expect(without.hadAuth).toBe(false);
    expect(new Date(withAuth.receivedAt).getTime()).toBeLessThanOrEqual(Date.now());
  });

  it("redacts Google's API key header too", () => {
    const log = new RequestLog(1);
    log.record('POST', '/v1beta/models/m:generateContent', { 'x-goog-api-key': 'AIza-secret' }, null);
    const [entry] = log.recent(1);
    expect(entry.headers).toEqual({ 'x-goog-api-key': '[redacted]' });
    expect(entry.hadAuth).toBe(true);
  });

  it('is empty after clear', () => {
    const log = new RequestLog(2);
    log.record('GET', '/a', {}, null);
    log.clear();
    expect(log.recent(5)).toEqual([]);
    log.record('GET', '/b', {}, null);
    expect(log.recent(5).map((r) => r.path)).toEqual(['/b']);
  });
});

import { once } from 'node:events';
import { Socket } from 'node:net';
import { DeadlineExceededError, withDeadline } from './deadline';
import { busyFor, loopbackServer } from './testing/held-event-loop';

describe(withDeadline.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('passes a result or a failure that comes in time through', async () => {
    await expect(withDeadline(Promise.resolve(1), 100, 'x')).resolves.toBe(1);
    await expect(withDeadline(Promise.reject(new Error('no')), 100, 'x')).rejects.toThrow('no');
  });

  it('fails with DeadlineExceededError once the deadline has passed', async () => {
    const late = withDeadline(new Promise(() => undefined), 100, 'reservation g1');
    const check = expect(late).rejects.toEqual(new DeadlineExceededError('reservation g1', 100));
    await jest.advanceTimersByTimeAsync(100);
    // The deadline's timer has fired; its rejection waits for the poll phase after it (a setImmediate).
    await jest.advanceTimersToNextTimerAsync();
    await check;
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe(`${withDeadline.name}, on a real socket`, () => {
  it('takes an answer that arrived in time but was read late, because the event loop was busy past the deadline', async () => {
    const server = await loopbackServer();
    const client = new Socket().connect(server.port, '127.0.0.1');
    try {
      const peer = await server.accepted;
      const call = withDeadline(once(client, 'data').then(([data]) => String(data)), 20, 'reservation g1');
      peer.write('ok'); // in the client's socket buffer at once (loopback), unread until the loop polls
      busyFor(100); // the deadline's timer is due before the poll phase reads the answer
      await expect(call).resolves.toBe('ok');
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

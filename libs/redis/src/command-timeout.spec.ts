import { once } from 'node:events';
import { Socket } from 'node:net';
import Redis from 'ioredis';
import { busyFor, LoopbackServer, loopbackServer } from '../../common/src/testing/held-event-loop';

/**
 * ioredis's `commandTimeout`, as patched (patches/ioredis+5.11.1.patch): its timer fails a command only after one more
 * poll phase. Without the patch, a loop held past the timeout runs the timer (timers phase) before the poll phase reads
 * an answer already in the socket, and a command answered in time fails with "Command timed out": on the proxy, a
 * rate-limit check that Redis answered becomes a 503.
 */
describe('ioredis command timeout (patched)', () => {
  let server: LoopbackServer;
  let peer: Socket;
  let client: Redis;

  beforeEach(async () => {
    server = await loopbackServer();
    client = new Redis({
      host: '127.0.0.1',
      port: server.port,
      commandTimeout: 20,
      // Nothing sent on connect (no CLIENT SETINFO, no INFO): the fake server sees only the test's command.
      disableClientInfo: true,
      enableReadyCheck: false,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    await client.connect();
    peer = await server.accepted;
  });

  afterEach(async () => {
    client.disconnect();
    await server.close();
  });

  /** Resolves once the fake server has received the command (it is in flight, its timer running). */
  const received = () => once(peer, 'data');

  it('passes an answer that comes in time', async () => {
    const ping = client.ping();
    await received();
    peer.write('+PONG\r\n');
    await expect(ping).resolves.toBe('PONG');
  });

  it('fails a command that gets no answer', async () => {
    const ping = client.ping();
    await received();
    await expect(ping).rejects.toThrow('Command timed out');
  });

  it('takes an answer that arrived in time but was read late, because the event loop was busy past the timeout', async () => {
    const ping = client.ping();
    await received();
    peer.write('+PONG\r\n'); // in the client's socket buffer at once (loopback), unread until the loop polls
    busyFor(100); // the timeout's timer is due before the poll phase reads the answer
    await expect(ping).resolves.toBe('PONG');
  });
});

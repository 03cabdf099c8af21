import { once } from 'node:events';
import { Socket } from 'node:net';
import { busyFor, LoopbackServer, loopbackServer } from '../../common/src/testing/held-event-loop';
import { withinDeadline } from './deadline';
import { WalletUnavailableError } from './wallet.errors';

describe('withinDeadline', () => {
  let server: LoopbackServer;
  let client: Socket;
  let peer: Socket;

  beforeEach(async () => {
    server = await loopbackServer();
    client = new Socket().connect(server.port, '127.0.0.1');
    peer = await server.accepted;
  });

  afterEach(async () => {
    client.destroy();
    await server.close();
  });

  const answer = () => once(client, 'data').then(([data]) => String(data));

  it('passes the answer through when it comes in time', async () => {
    const call = withinDeadline('hold', 1_000, answer());
    peer.write('ok');
    await expect(call).resolves.toBe('ok');
  });

  it('fails with WalletUnavailableError naming the call when no answer comes', async () => {
    await expect(withinDeadline('hold', 20, answer())).rejects.toEqual(
      new WalletUnavailableError('hold: no answer within 20 ms'),
    );
  });

  it('takes an answer that arrived in time but was read late, because the event loop was busy past the deadline', async () => {
    const call = withinDeadline('hold', 20, answer());
    peer.write('ok'); // in the client's socket buffer at once (loopback), unread until the loop polls
    busyFor(100); // the deadline's timer is due before the poll phase reads the answer
    await expect(call).resolves.toBe('ok');
  });

  it('passes a failure of the call through as the wallet error it maps to', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' });
    await expect(withinDeadline('settle', 1_000, Promise.reject(refused))).rejects.toEqual(
      new WalletUnavailableError('settle: connect ECONNREFUSED'),
    );
  });
});

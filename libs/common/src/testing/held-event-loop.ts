import { once } from 'node:events';
import { AddressInfo, createServer, Server, Socket } from 'node:net';

/**
 * For specs of deadlines that must not fail an answer which came in time: the event loop held past a deadline, as a
 * burst of requests on a loaded host holds it, while the answer waits, unread, in a real socket.
 */
export function busyFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

/** A loopback server with its first connection accepted: what the peer writes is in the client's socket at once. */
export interface LoopbackServer {
  readonly port: number;
  /** The server's side of the first connection made to it. */
  readonly accepted: Promise<Socket>;
  close(): Promise<void>;
}

export async function loopbackServer(): Promise<LoopbackServer> {
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  let peer: Socket | undefined;
  const accepted = once(server, 'connection').then(([socket]) => (peer = socket as Socket));
  return {
    port: (server.address() as AddressInfo).port,
    accepted,
    async close() {
      const closed = once(server, 'close');
      server.close();
      peer?.destroy();
      await closed;
    },
  };
}

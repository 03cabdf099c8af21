import { connect, Socket } from 'node:net';

/**
 * A client that sends the start of a request and then one byte (or one chunk) at a time, forever: what a slowloris
 * attacker or a stuck uploader does. It records what the server answers and when the connection ends.
 */
export class SlowClient {
  received = '';
  closedAt: number | null = null;
  readonly closed: Promise<void>;
  private drip: NodeJS.Timeout | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly openedAt: number,
  ) {
    socket.on('data', (chunk: Buffer) => (this.received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        clearInterval(this.drip);
        this.closedAt = Date.now();
        resolve();
      }),
    );
  }

  /** Connects, writes `head`, then writes `drip` every `everyMs` until the server closes the connection. */
  static open(port: number, head: string, drip: string, everyMs: number): Promise<SlowClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        const client = new SlowClient(socket, Date.now());
        socket.write(head);
        client.drip = setInterval(() => {
          if (socket.writable) socket.write(drip);
        }, everyMs);
        resolve(client);
      });
    });
  }

  /** The status codes of the responses received, in order. */
  get statuses(): number[] {
    return [...this.received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
  }

  get isClosed(): boolean {
    return this.closedAt !== null;
  }

  close(): void {
    clearInterval(this.drip);
    this.socket.destroy();
  }
}

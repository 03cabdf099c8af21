import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';

/** One client connection through the relay and its connection to the target. */
interface Link {
  client: Socket;
  upstream: Socket | null;
}

/**
 * A TCP relay to a dependency (PostgreSQL, Redis) that a test can break and restore, as a network failure would:
 * - cut: drops every connection and refuses new ones (a reset: callers see errors at once);
 * - hang: stops forwarding in both directions but keeps every socket open and accepts new connections without
 *   forwarding them (a partition without reset: callers see nothing at all, only their own deadlines save them);
 * - open: listens again after a cut, or resumes forwarding after a hang (bytes held back meanwhile are delivered).
 */
export class TcpRelay {
  private server?: Server;
  private readonly links = new Set<Link>();
  private hung = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** A relay to the host and port of a URL (postgresql://…, redis://…). */
  static to(url: string, defaultPort: number): TcpRelay {
    const target = new URL(url);
    return new TcpRelay(target.hostname, Number(target.port || defaultPort));
  }

  async open(): Promise<void> {
    if (this.hung) {
      this.hung = false;
      for (const link of this.links) this.forward(link);
    }
    if (this.server?.listening) return;
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** The target's URL with its host and port replaced by the relay's. */
  through(url: string): string {
    const relayed = new URL(url);
    relayed.hostname = '127.0.0.1';
    relayed.port = String(this.port);
    return relayed.toString();
  }

  async cut(): Promise<void> {
    this.hung = false;
    if (!this.server?.listening) return;
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    for (const link of this.links) {
      link.client.destroy();
      link.upstream?.destroy();
    }
    await closed;
  }

  /** Stops forwarding without closing anything (see the class comment); open() resumes. */
  hang(): void {
    this.hung = true;
    for (const link of this.links) this.holdBack(link);
  }

  private accept(client: Socket): void {
    const link: Link = { client, upstream: null };
    this.links.add(link);
    client.on('error', () => client.destroy());
    client.on('close', () => {
      link.upstream?.destroy();
      this.links.delete(link);
    });
    if (this.hung) client.pause();
    else this.forward(link);
  }

  /** Pipes both ways, connecting to the target first if this link never was. */
  private forward(link: Link): void {
    if (!link.upstream) {
      const upstream = connect(this.targetPort, this.targetHost);
      link.upstream = upstream;
      upstream.on('error', () => upstream.destroy());
      upstream.on('close', () => link.client.destroy());
    }
    link.client.pipe(link.upstream);
    link.upstream.pipe(link.client);
    link.client.resume();
    link.upstream.resume();
  }

  private holdBack(link: Link): void {
    link.client.unpipe();
    link.upstream?.unpipe();
    link.client.pause();
    link.upstream?.pause();
  }
}

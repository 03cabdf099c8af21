import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import type { Writable } from 'node:stream';

/** Marks a socket whose writes are already coalesced (a reconnect may hand the same socket back). */
const COALESCED = Symbol('gw.coalescedWrites');
type CoalescedSocket = Writable & { [COALESCED]?: true };
const always = (): boolean => true;

/**
 * Makes every write to `socket` within one turn of the event loop leave in one syscall: the first write of a turn
 * corks the socket and a setImmediate uncorks it, after the loop's I/O callbacks of that turn have run (Node then
 * sends everything buffered with one writev). When `batchWhen` says the turn is not worth holding back, the writes
 * made before Node next runs its process.nextTick queue still leave together (those of one synchronous run, such as a
 * request's rate tiers and its address's gate, issued side by side; from a promise job, those of the rest of its
 * microtask queue): uncorked by process.nextTick, before the loop goes on, so nothing waits.
 *
 * Why: ioredis writes each command as it is issued (its auto-pipelining is off: redis.service.ts says why), and each
 * request's Redis calls (rate limits, hold, settle) run in their own I/O callbacks, so under load a proxy wrote to
 * Redis about three times per request, one syscall each, among the most expensive things it did (bench:profile:
 * `writev`/`writeUtf8String`). Corked for the rest of the turn, the calls of every request that progressed in that
 * turn share one write. The cost is a wait until the end of the current turn (the check phase), never longer: pending
 * immediates keep the poll phase from blocking.
 *
 * `batchWhen` says whether the turn's writes are worth holding back, asked at the first write of each run. When few
 * requests are in flight there is nothing to batch with and the wait is pure latency (the write waits for the rest of
 * the turn; on this bench's VM a rate-limit call from an idle client measured 274 µs p50 written at once against 319
 * corked, though such figures swing with the host). Without it, always.
 */
export function coalesceWrites(socket: Writable, batchWhen: () => boolean = always): void {
  const target = socket as CoalescedSocket;
  if (target[COALESCED]) return;
  target[COALESCED] = true;
  const write = socket.write;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = function coalescedWrite(this: Writable, ...args: Parameters<Writable['write']>): boolean {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      if (batchWhen()) setImmediate(uncork);
      else process.nextTick(uncork);
    }
    return write.apply(this, args);
  } as Writable['write'];
}

/** coalesceWrites() on the connection's socket, now and after every reconnect (each connect opens a new socket). */
export function coalesceRedisWrites(client: Redis, batchWhen: () => boolean = always): void {
  const apply = (): void => {
    const stream = (client as unknown as { stream?: Writable }).stream;
    if (stream) coalesceWrites(stream, batchWhen);
  };
  client.on('connect', apply);
  apply();
}

/** coalesceRedisWrites() on every node connection of a cluster, as the cluster discovers them. */
export function coalesceClusterWrites(cluster: Cluster, batchWhen: () => boolean = always): void {
  cluster.on('+node', (node: Redis) => coalesceRedisWrites(node, batchWhen));
  for (const node of cluster.nodes()) coalesceRedisWrites(node, batchWhen);
}

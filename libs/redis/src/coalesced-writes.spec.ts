import { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { coalesceWrites } from './coalesced-writes';

/** A socket stand-in that records each flush to the OS: one entry per syscall it would make. */
function recordingSocket(): { socket: Writable; flushes: string[][] } {
  const flushes: string[][] = [];
  const socket = new Writable({
    decodeStrings: false,
    write(chunk: string, _encoding, done) {
      flushes.push([String(chunk)]);
      done();
    },
    writev(chunks, done) {
      flushes.push(chunks.map(({ chunk }) => String(chunk)));
      done();
    },
  });
  return { socket, flushes };
}

describe(coalesceWrites.name, () => {
  it('sends the writes of one turn of the event loop together, once the turn is over', async () => {
    const { socket, flushes } = recordingSocket();
    coalesceWrites(socket);
    socket.write('a');
    await Promise.resolve(); // a microtask later: the same turn
    socket.write('b');
    process.nextTick(() => socket.write('c'));
    expect(flushes).toEqual([]);
    await nextTurn();
    expect(flushes).toEqual([['a', 'b', 'c']]);
  });

  it('sends the writes of separate turns separately, in order', async () => {
    const { socket, flushes } = recordingSocket();
    coalesceWrites(socket);
    socket.write('1');
    await nextTurn();
    socket.write('2');
    socket.write('3');
    await nextTurn();
    expect(flushes).toEqual([['1'], ['2', '3']]);
  });

  it('wraps a socket once, however often it is asked', async () => {
    const { socket, flushes } = recordingSocket();
    coalesceWrites(socket);
    const wrapped = socket.write;
    coalesceWrites(socket);
    expect(socket.write).toBe(wrapped);
    socket.write('x');
    socket.write('y');
    await nextTurn();
    expect(flushes).toEqual([['x', 'y']]);
  });

  it('passes the write callback and return value through', async () => {
    const { socket } = recordingSocket();
    coalesceWrites(socket);
    const written = new Promise<void>((resolve, reject) => socket.write('z', (error) => (error ? reject(error) : resolve())));
    expect(socket.write('w')).toBe(true);
    await expect(written).resolves.toBeUndefined();
  });
});

describe(`${coalesceWrites.name} with a condition`, () => {
  it('while the condition says no, sends the writes of one run of JavaScript together, before the turn goes on', async () => {
    const { socket, flushes } = recordingSocket();
    let busy = false;
    coalesceWrites(socket, () => busy);
    socket.write('a');
    socket.write('b'); // issued together (a request's rate tiers and its gate): one syscall
    await Promise.resolve();
    socket.write('c'); // a later job of the same microtask queue (this test runs in one): still with them
    expect(flushes).toEqual([]);
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(flushes).toEqual([['a', 'b', 'c']]);
    // Nothing waits for the end of the turn: flushed before the next I/O callback or immediate.
    socket.write('d');
    let flushedBeforeImmediate = false;
    setImmediate(() => (flushedBeforeImmediate = flushes.length === 2));
    await nextTurn();
    expect(flushedBeforeImmediate).toBe(true);
    expect(flushes).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('while the condition says no, sends the synchronous writes of a plain callback (an I/O or timer callback) together', async () => {
    const { socket, flushes } = recordingSocket();
    coalesceWrites(socket, () => false);
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        socket.write('x');
        socket.write('y');
        resolve();
      }),
    );
    expect(flushes).toEqual([['x', 'y']]);
  });

  it('holds back the rest of the turn from a run the condition says yes to', async () => {
    const { socket, flushes } = recordingSocket();
    let busy = true;
    coalesceWrites(socket, () => busy);
    socket.write('a');
    busy = false; // not asked again while the turn is held back: it stays batched
    await new Promise<void>((resolve) => process.nextTick(resolve));
    socket.write('b');
    expect(flushes).toEqual([]);
    await nextTurn();
    expect(flushes).toEqual([['a', 'b']]);
  });
});

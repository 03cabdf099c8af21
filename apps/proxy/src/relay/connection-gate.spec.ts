import { ConnectionGate, GateTimeoutError } from './connection-gate';

describe(ConnectionGate.name, () => {
  const never = new AbortController().signal;

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('admits up to its size at once, then queues', async () => {
    const sut = new ConnectionGate(2);
    await sut.acquire(1_000, never);
    await sut.acquire(1_000, never);
    const third = sut.acquire(1_000, never);
    expect({ inUse: sut.inUse, queued: sut.queued }).toEqual({ inUse: 2, queued: 1 });
    void third.catch(() => undefined);
  });

  it('hands a freed slot to the longest waiter, in arrival order', async () => {
    const sut = new ConnectionGate(1);
    const release = await sut.acquire(1_000, never);
    const order: string[] = [];
    const first = sut.acquire(1_000, never).then((r) => (order.push('first'), r));
    const second = sut.acquire(1_000, never).then((r) => (order.push('second'), r));
    release();
    release(); // idempotent: frees one slot only
    (await first)();
    (await second)();
    expect(order).toEqual(['first', 'second']);
    expect({ inUse: sut.inUse, queued: sut.queued }).toEqual({ inUse: 0, queued: 0 });
  });

  it('gives up after the wait bound, leaving the line', async () => {
    const sut = new ConnectionGate(1);
    const release = await sut.acquire(1_000, never);
    const waiting = sut.acquire(500, never);
    jest.advanceTimersByTime(500);
    await expect(waiting).rejects.toBeInstanceOf(GateTimeoutError);
    expect(sut.queued).toBe(0);
    release();
    expect(sut.inUse).toBe(0);
  });

  it('refuses at once when full and the bound is 0', async () => {
    const sut = new ConnectionGate(1);
    await sut.acquire(0, never);
    await expect(sut.acquire(0, never)).rejects.toBeInstanceOf(GateTimeoutError);
  });

  it('leaves the line with the reason when the signal aborts', async () => {
    const sut = new ConnectionGate(1);
    await sut.acquire(1_000, never);
    const controller = new AbortController();
    const waiting = sut.acquire(1_000, controller.signal);
    const reason = new Error('client gone');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(sut.queued).toBe(0);
  });

  it('takes a free slot without waiting (tryAcquire), and none when full; a released slot goes to the line first', async () => {
    const sut = new ConnectionGate(1);
    const release = sut.tryAcquire();
    expect(release).not.toBeNull();
    expect(sut.tryAcquire()).toBeNull();
    const waiting = sut.acquire(1_000, never);
    release!();
    const next = await waiting;
    expect(sut.inUse).toBe(1);
    expect(sut.tryAcquire()).toBeNull();
    next();
    expect(sut.inUse).toBe(0);
  });
});

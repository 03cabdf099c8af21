import { KeyedBatcher } from './keyed-batcher';

/** A flush we complete by hand, to see exactly what was batched with what. */
function controlledFlush() {
  const calls: { key: string; items: number[]; finish: (error?: Error) => void }[] = [];
  const flush = (key: string, items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({ key, items, finish: (error) => (error ? reject(error) : resolve(items.map((i) => `${key}:${i}`))) });
    });
  return { calls, flush };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe(KeyedBatcher.name, () => {
  it('sends the first item at once, and everything that arrives meanwhile in one next flush', async () => {
    const { calls, flush } = controlledFlush();
    const sut = new KeyedBatcher(flush);
    const first = sut.submit('a', 1);
    const rest = [sut.submit('a', 2), sut.submit('a', 3), sut.submit('a', 4)];
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    calls[0].finish();
    expect(await first).toBe('a:1');
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    calls[1].finish();
    expect(await Promise.all(rest)).toEqual(['a:2', 'a:3', 'a:4']);
    expect(sut.pending).toBe(0);
  });

  it('flushes different keys independently, one flush in flight per key', async () => {
    const { calls, flush } = controlledFlush();
    const sut = new KeyedBatcher(flush);
    const results = [sut.submit('a', 1), sut.submit('b', 1), sut.submit('a', 2)];
    expect(calls.map((c) => [c.key, c.items])).toEqual([
      ['a', [1]],
      ['b', [1]],
    ]);
    calls[1].finish();
    calls[0].finish();
    await tick();
    calls[2].finish();
    expect(await Promise.all(results)).toEqual(['a:1', 'b:1', 'a:2']);
  });

  it('rejects exactly the items of a failed flush, and keeps going', async () => {
    const { calls, flush } = controlledFlush();
    const sut = new KeyedBatcher(flush);
    const failed = sut.submit('a', 1);
    const next = sut.submit('a', 2);
    calls[0].finish(new Error('connection reset'));
    await expect(failed).rejects.toThrow('connection reset');
    await tick();
    calls[1].finish();
    expect(await next).toBe('a:2');
  });

  it('splits batches at maxBatch, and refuses a flush that answers for the wrong number of items', async () => {
    const { calls, flush } = controlledFlush();
    const sut = new KeyedBatcher(flush, 2);
    const all = [1, 2, 3, 4, 5].map((i) => sut.submit('a', i));
    calls[0].finish();
    await tick();
    calls[1].finish();
    await tick();
    calls[2].finish();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3], [4, 5]]);
    expect(await Promise.all(all)).toHaveLength(5);

    const wrong = new KeyedBatcher(async (_key, items: number[]) => items.concat(items).map(String));
    await expect(wrong.submit('a', 1)).rejects.toThrow('batch flush returned 2 of 1');
  });

  it('idle() resolves once every submitted item is flushed', async () => {
    const { calls, flush } = controlledFlush();
    const sut = new KeyedBatcher(flush);
    void sut.submit('a', 1);
    let idle = false;
    const waiting = sut.idle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    calls[0].finish();
    await waiting;
    expect(idle).toBe(true);
  });
});

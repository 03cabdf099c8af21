import type { HoldBeat } from '@gw/db';
import { HoldHeartbeat } from './hold-heartbeat';
import type { HoldLiveness } from './hold-liveness';

const DELIVERED = { inputTokens: 10, outputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0, costMicros: 7n };

function setUp(fail = false) {
  const beats: HoldBeat[][] = [];
  const liveness = {
    beat: jest.fn(async (batch: HoldBeat[]) => {
      if (fail) throw new Error('database unreachable');
      beats.push(batch);
      return batch.length;
    }),
  } as unknown as HoldLiveness;
  const failures: Error[] = [];
  const sut = new HoldHeartbeat(liveness, 1_000, (error) => failures.push(error));
  return { sut, beats, failures };
}

describe(HoldHeartbeat.name, () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('refreshes every hold not refreshed for half a period in one batch, with what each request delivered', async () => {
    const { sut, beats } = setUp();
    sut.watch('stream', async () => DELIVERED);
    sut.watch('json', null);
    await jest.advanceTimersByTimeAsync(700);
    sut.watch('young', null); // written with a fresh heartbeat: not due at the next period
    await jest.advanceTimersByTimeAsync(300);
    expect(beats).toEqual([
      [
        { generationId: 'stream', delivered: DELIVERED },
        { generationId: 'json', delivered: null },
      ],
    ]);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(beats[1].map((beat) => beat.generationId)).toEqual(['stream', 'json', 'young']);
    sut.stop();
  });

  it('stops beating a hold once it is closed, and its timer once none is left', async () => {
    const { sut, beats } = setUp();
    sut.watch('a', null);
    sut.unwatch('a');
    await jest.advanceTimersByTimeAsync(5_000);
    expect(beats).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps a hold alive when its probe fails (its last count stands), and reports a failed write', async () => {
    const ok = setUp();
    ok.sut.watch('a', async () => {
      throw new Error('count failed');
    });
    await ok.sut.beat(true);
    expect(ok.beats).toEqual([[{ generationId: 'a', delivered: null }]]);
    ok.sut.stop();

    const down = setUp(true);
    down.sut.watch('a', null);
    await down.sut.beat(true);
    expect(down.failures.map((error) => error.message)).toEqual(['database unreachable']);
    down.sut.stop();
  });
});

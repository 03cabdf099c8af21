import { EVENT_LOOP_SAMPLE_MS, meanEventLoopDelayMs } from './load-shedding';

const ms = (value: number) => value * 1e6;
/** A histogram of `count` readings at the 10 ms resolution plus `delay`, the largest at `maxDelay`. */
const readings = (count: number, delay: number, maxDelay = delay) => ({ count, mean: ms(10 + delay), max: ms(10 + maxDelay) });

describe(meanEventLoopDelayMs.name, () => {
  it('is the mean of the readings less the resolution', () => {
    expect(meanEventLoopDelayMs(readings(50, 4), 1)).toBeCloseTo(4);
    expect(meanEventLoopDelayMs(readings(50, 0), 0)).toBe(0);
  });

  it('is the whole interval when the loop never ran the histogram timer', () => {
    expect(meanEventLoopDelayMs({ count: 0, mean: Number.NaN, max: 0 }, 0)).toBe(EVENT_LOOP_SAMPLE_MS);
  });

  it('counts a stall the sampling timer waited through that the histogram has not recorded yet', () => {
    // 49 readings of a quiet loop before a 2 s stall; the sampling timer ran first after it.
    expect(meanEventLoopDelayMs(readings(49, 0, 1), 2_000)).toBeCloseTo(2_000 / 50);
  });

  it('does not count the stall twice once the histogram has recorded it', () => {
    const recorded = { count: 50, mean: ms((49 * 10 + 2_010) / 50), max: ms(2_010) };
    expect(meanEventLoopDelayMs(recorded, 2_000)).toBeCloseTo(2_000 / 50);
  });

  it('leaves a quiet sample as the histogram read it (the sampling timer a little late)', () => {
    expect(meanEventLoopDelayMs(readings(50, 1, 6), 3)).toBeCloseTo(1);
  });
});

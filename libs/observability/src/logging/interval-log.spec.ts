import { IntervalLog } from './interval-log';

describe(IntervalLog.name, () => {
  let lines: [string, number][];
  let sut: IntervalLog;

  beforeEach(() => {
    jest.useFakeTimers();
    lines = [];
    sut = new IntervalLog(10_000, (key, suppressed) => lines.push([key, suppressed]));
    const hit = sut.hit.bind(sut);
    // What a caller does: write the occurrence itself when told to.
    sut.hit = (key) => {
      const write = hit(key);
      if (write) lines.push([key, 0]);
      return write;
    };
  });

  afterEach(() => {
    sut.flush();
    jest.useRealTimers();
  });

  it('writes the first occurrence at once and the count of the others once per interval', () => {
    for (let i = 0; i < 1_000; i++) sut.hit('503 Rate limiter unavailable');
    expect(lines).toEqual([['503 Rate limiter unavailable', 0]]);

    jest.advanceTimersByTime(10_000);
    expect(lines).toEqual([
      ['503 Rate limiter unavailable', 0],
      ['503 Rate limiter unavailable', 999],
    ]);

    sut.hit('503 Rate limiter unavailable');
    sut.hit('503 Rate limiter unavailable');
    jest.advanceTimersByTime(10_000);
    expect(lines.at(-1)).toEqual(['503 Rate limiter unavailable', 2]);
  });

  it('keeps kinds apart', () => {
    sut.hit('a');
    sut.hit('b');
    sut.hit('a');
    jest.advanceTimersByTime(10_000);
    expect(lines).toEqual([
      ['a', 0],
      ['b', 0],
      ['a', 1],
    ]);
  });

  it('writes at once again after a quiet interval', () => {
    sut.hit('a');
    jest.advanceTimersByTime(10_000);
    jest.advanceTimersByTime(10_000);
    sut.hit('a');
    expect(lines).toEqual([
      ['a', 0],
      ['a', 0],
    ]);
  });

  it('writes what is pending on flush', () => {
    sut.hit('a');
    sut.hit('a');
    sut.flush();
    expect(lines).toEqual([
      ['a', 0],
      ['a', 1],
    ]);
    jest.advanceTimersByTime(10_000);
    expect(lines).toHaveLength(2);
  });
});

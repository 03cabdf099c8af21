import { ChannelBreaker } from './channel-breaker';

describe(ChannelBreaker.name, () => {
  let now: number;
  let sut: ChannelBreaker;
  const settings = { failureThreshold: 3, windowMs: 1_000, cooldownMs: 5_000 };

  beforeEach(() => {
    now = 1_000_000;
    sut = new ChannelBreaker(settings, () => now);
  });

  function fail(times: number) {
    for (let i = 0; i < times; i++) sut.acquire()!.settle('failure');
  }

  it('opens after the threshold of failures in a row and then refuses permits', () => {
    fail(2);
    expect(sut.available).toBe(true);
    fail(1);
    expect(sut.available).toBe(false);
    expect(sut.acquire()).toBeNull();
    expect(sut.retryInMs).toBe(5_000);
  });

  it('starts counting again after a success, or after a failure older than the window', () => {
    fail(2);
    sut.acquire()!.settle('success');
    fail(2);
    expect(sut.available).toBe(true);
    now += 1_001;
    fail(2);
    expect(sut.available).toBe(true);
    fail(1);
    expect(sut.available).toBe(false);
  });

  it('ignores neutral outcomes (the client left) and settles a permit once', () => {
    fail(2);
    const permit = sut.acquire()!;
    permit.settle('neutral');
    permit.settle('failure');
    expect(sut.available).toBe(true);
  });

  it('after the cool-down lets exactly one trial through; its success closes the circuit', () => {
    fail(3);
    now += 5_000;
    expect(sut.available).toBe(true);
    const trial = sut.acquire()!;
    expect(trial.trial).toBe(true);
    expect(sut.acquire()).toBeNull();
    expect(sut.available).toBe(false);
    trial.settle('success');
    expect(sut.isOpen).toBe(false);
    expect(sut.acquire()!.trial).toBe(false);
  });

  it('re-opens for a whole cool-down when the trial fails', () => {
    fail(3);
    now += 5_000;
    sut.acquire()!.settle('failure');
    expect(sut.acquire()).toBeNull();
    now += 4_999;
    expect(sut.acquire()).toBeNull();
    now += 1;
    expect(sut.acquire()!.trial).toBe(true);
  });

  it('hands the probe to the next request when the trial ends without a verdict', () => {
    fail(3);
    now += 5_000;
    sut.acquire()!.settle('neutral');
    expect(sut.acquire()!.trial).toBe(true);
  });

  it('ignores late outcomes of requests that started while it was closed', () => {
    const early = [sut.acquire()!, sut.acquire()!];
    fail(3);
    early[0].settle('success');
    expect(sut.available).toBe(false);
    now += 5_000;
    const trial = sut.acquire()!;
    early[1].settle('failure');
    trial.settle('success');
    expect(sut.isOpen).toBe(false);
  });
});

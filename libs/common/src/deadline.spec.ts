import { DeadlineExceededError, withDeadline } from './deadline';

describe(withDeadline.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('passes a result or a failure that comes in time through', async () => {
    await expect(withDeadline(Promise.resolve(1), 100, 'x')).resolves.toBe(1);
    await expect(withDeadline(Promise.reject(new Error('no')), 100, 'x')).rejects.toThrow('no');
  });

  it('fails with DeadlineExceededError once the deadline has passed', async () => {
    const late = withDeadline(new Promise(() => undefined), 100, 'reservation g1');
    const check = expect(late).rejects.toEqual(new DeadlineExceededError('reservation g1', 100));
    await jest.advanceTimersByTimeAsync(100);
    await check;
    expect(jest.getTimerCount()).toBe(0);
  });
});

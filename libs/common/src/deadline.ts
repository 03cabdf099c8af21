/** A call that did not finish within its deadline (the dependency may be hung: the caller answers 503). */
export class DeadlineExceededError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * `promise`, or a DeadlineExceededError once `ms` have passed. The work itself goes on (a promise cannot be
 * cancelled): use it where the caller must answer in time and a late result is handled (or harmless).
 *
 * The deadline yields to input already received before it fails the call. When the event loop was busy past the
 * deadline (a burst of requests on a loaded host), the answer may be waiting in the socket: the timers phase would run
 * the deadline before the poll phase reads it, and a call answered in time would fail (a 503). So the deadline fails
 * the call only after one more poll phase (setImmediate runs after it). ioredis's own command timeout is patched the
 * same way (patches/ioredis+5.11.1.patch).
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let afterPoll: NodeJS.Immediate | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      afterPoll = setImmediate(() => reject(new DeadlineExceededError(what, ms)));
    }, ms);
  });
  return Promise.race([promise, expired]).finally(() => {
    clearTimeout(timer);
    clearImmediate(afterPoll);
  });
}

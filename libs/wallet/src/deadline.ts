import { walletFailure, WalletUnavailableError } from './wallet.errors';

/**
 * Resolves or rejects as `pending` does, or rejects with WalletUnavailableError once `ms` have passed. The abandoned
 * call is not cancelled (Redis and PostgreSQL may still run it): every wallet call is safe to retry.
 *
 * The deadline yields to input already received before it fails the call. When the event loop was busy past the
 * deadline (a burst of requests on a loaded host), the answer may be waiting in the socket: the timers phase would run
 * the deadline before the poll phase reads it, and a request whose answer came in time would get a 503. So the
 * deadline fails the call only after one more poll phase (setImmediate runs after it).
 */
export async function withinDeadline<T>(what: string, ms: number, pending: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let afterPoll: NodeJS.Immediate | undefined;
  try {
    return await Promise.race([
      pending,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          afterPoll = setImmediate(() => reject(new WalletUnavailableError(`${what}: no answer within ${ms} ms`)));
        }, ms);
      }),
    ]);
  } catch (error) {
    pending.catch(() => undefined); // a late rejection of the abandoned call is not unhandled
    throw walletFailure(error, what);
  } finally {
    clearTimeout(timer);
    clearImmediate(afterPoll);
  }
}

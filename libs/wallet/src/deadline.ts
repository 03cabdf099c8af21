import { walletFailure, WalletUnavailableError } from './wallet.errors';

/**
 * Resolves or rejects as `pending` does, or rejects with WalletUnavailableError once `ms` have passed. The abandoned
 * call is not cancelled (Redis and PostgreSQL may still run it): every wallet call is safe to retry.
 */
export async function withinDeadline<T>(what: string, ms: number, pending: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      pending,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new WalletUnavailableError(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } catch (error) {
    pending.catch(() => undefined); // a late rejection of the abandoned call is not unhandled
    throw walletFailure(error, what);
  } finally {
    clearTimeout(timer);
  }
}

import { DeadlineExceededError, withDeadline } from '@gw/common';
import { walletFailure, WalletUnavailableError } from './wallet.errors';

/**
 * Resolves or rejects as `pending` does, or rejects with WalletUnavailableError once `ms` have passed (withDeadline,
 * which lets an answer already received be read before it fails the call). The abandoned call is not cancelled (Redis
 * and PostgreSQL may still run it): every wallet call is safe to retry.
 */
export async function withinDeadline<T>(what: string, ms: number, pending: Promise<T>): Promise<T> {
  try {
    return await withDeadline(pending, ms, what);
  } catch (error) {
    pending.catch(() => undefined); // a late rejection of the abandoned call is not unhandled
    if (error instanceof DeadlineExceededError) throw new WalletUnavailableError(`${what}: no answer within ${ms} ms`);
    throw walletFailure(error, what);
  }
}

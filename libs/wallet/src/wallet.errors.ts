import { GatewayError, GatewayErrorCode } from '@gw/common';

/**
 * The wallet could not answer in time (Redis unreachable, past WALLET_COMMAND_TIMEOUT_MS, a cluster failing over, or
 * the PostgreSQL read of a load past its deadline). A GatewayError of code SERVICE_UNAVAILABLE, so that the proxy's
 * error filters answer the prompt 503 in the caller's protocol. Nothing moved, or (for a call that timed out after
 * Redis ran it) what moved is idempotent to retry.
 */
export class WalletUnavailableError extends GatewayError {
  constructor(reason: string, cause?: unknown) {
    super(GatewayErrorCode.SERVICE_UNAVAILABLE, 'Billing is temporarily unavailable', { cause });
    this.name = 'WalletUnavailableError';
    this.reason = reason;
  }

  readonly reason: string;
}

/** The process is shutting down: the wallet places no new holds (a 503, like any unavailability). */
export class WalletClosedError extends WalletUnavailableError {
  constructor() {
    super('shutting down: no new holds');
    this.name = 'WalletClosedError';
  }
}

/** WALLET_SHARDS differs from the count the wallet's Redis was set up with: keys would be looked up in wrong places. */
export class WalletLayoutError extends Error {
  constructor(configured: number, stored: string) {
    super(
      `WALLET_SHARDS is ${configured} but this Redis holds a wallet of ${stored}: the shard count is fixed for a ` +
        'deployment (README, "Wallet shards")',
    );
    this.name = 'WalletLayoutError';
  }
}

/** The account a money call names does not exist in PostgreSQL (nothing to load). */
export class WalletAccountNotFoundError extends Error {
  constructor(account: string) {
    super(`account ${account} does not exist`);
    this.name = 'WalletAccountNotFoundError';
  }
}

/** A script answered something the service does not expect: a bug, never retried as if Redis were down. */
export class WalletProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WalletProtocolError';
  }
}

/** Redis replies that mean "not now" rather than "wrong": retried by callers like an unreachable Redis. */
const TRANSIENT_REPLY = /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|BUSY|NOREPLICAS|MOVED|ASK)\b/;

/** A failed Redis call as the wallet reports it: unavailability (503, retryable) or the original error (a bug). */
export function walletFailure(error: unknown, what: string): Error {
  if (error instanceof WalletUnavailableError || error instanceof WalletLayoutError) return error;
  const failure = error as { name?: string; message?: string };
  if (failure?.name === 'ReplyError' && !TRANSIENT_REPLY.test(failure.message ?? '')) return error as Error;
  return new WalletUnavailableError(`${what}: ${failure?.message ?? String(error)}`, error);
}

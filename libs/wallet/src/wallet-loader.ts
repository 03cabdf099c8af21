import { Injectable, Logger } from '@nestjs/common';
import { WalletRepository } from '@gw/db';
import { withinDeadline } from './deadline';
import { WalletAccountNotFoundError, WalletUnavailableError } from './wallet.errors';
import type { AccountId } from './wallet-ids';
import { WalletRedis } from './wallet-redis';
import { LoadMode, LoadReply, WalletStore } from './wallet-store';

/** Snapshots refused as stale in a row before giving up (each is a fresh read of one row: it converges at once). */
const STALE_ATTEMPTS = 5;

export type LoadedReply = Extract<LoadReply, { kind: 'LOADED' }>;

/**
 * Loads accounts into the wallet from PostgreSQL: automatically when a script answers NEED_LOAD (an account used for
 * the first time, or after Redis lost its data), and by hand (`npm run wallet:rebuild`). Concurrent loads of one
 * account in this process share one read; across processes the load script itself decides (only the first applies).
 */
@Injectable()
export class WalletLoader {
  private readonly logger = new Logger(WalletLoader.name);
  private readonly inFlight = new Map<AccountId, Promise<void>>();

  constructor(
    private readonly store: WalletStore,
    private readonly accounts: WalletRepository,
    private readonly redis: WalletRedis,
  ) {}

  /** Resolves once the account is loaded (by this call or by anyone else). */
  ensureLoaded(account: AccountId): Promise<void> {
    let pending = this.inFlight.get(account);
    if (!pending) {
      pending = this.load(account, 'absent')
        .then((reply) => {
          if (reply) this.logger.log(`account ${account} loaded into the wallet (spendable ${reply.spendable})`);
        })
        .finally(() => this.inFlight.delete(account));
      this.inFlight.set(account, pending);
    }
    return pending;
  }

  /**
   * Rebuilds one account from PostgreSQL whether it is loaded or not: its balance from the ledger's balance minus the
   * events not yet written there, its open holds summed again from their records.
   */
  async rebuild(account: AccountId): Promise<LoadedReply> {
    const reply = await this.load(account, 'replace');
    if (!reply) throw new Error(`account ${account}: rebuild did not load it`);
    return reply;
  }

  /** Null when another loader got there first (absent mode). */
  private async load(account: AccountId, mode: LoadMode): Promise<LoadedReply | null> {
    for (let attempt = 0; attempt < STALE_ATTEMPTS; attempt++) {
      const snapshot = await withinDeadline(
        'wallet snapshot (PostgreSQL)',
        this.redis.timeoutMs,
        this.accounts.snapshot(account),
      );
      if (!snapshot) throw new WalletAccountNotFoundError(account);
      const reply = await this.store.load(account, snapshot, mode);
      if (reply.kind === 'LOADED') return reply;
      if (reply.kind === 'PRESENT') return null;
    }
    throw new WalletUnavailableError(`account ${account}: ${STALE_ATTEMPTS} snapshots in a row were stale`);
  }
}

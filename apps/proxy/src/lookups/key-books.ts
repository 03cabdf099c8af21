import { Injectable } from '@nestjs/common';
import { accountId as toAccountId } from '@gw/common';
import type { KeyInfoRecord } from '@gw/db';
import { WalletStore } from '@gw/wallet';

/** A key's money figures as its money store has them: the account's spendable balance and holds, the key's day. */
export interface KeyMoney {
  /** Spendable: net of open holds. */
  balanceMicros: bigint;
  reservedMicros: bigint;
  /** Open holds plus settled charges of the key today (UTC): what its daily limit counts. */
  spentTodayMicros: bigint;
}

/** Where the key-info lookup reads money from: BILLING_STORE's store (PostgreSQL, or the Redis wallet). */
export abstract class KeyBooks {
  abstract read(accountId: string, keyId: string, stored: KeyInfoRecord): Promise<KeyMoney>;
}

/** PostgreSQL holds the money: what the key-info query read is current. */
@Injectable()
export class PostgresKeyBooks extends KeyBooks {
  read(_accountId: string, _keyId: string, stored: KeyInfoRecord): Promise<KeyMoney> {
    const { balanceMicros, reservedMicros, spentTodayMicros } = stored;
    return Promise.resolve({ balanceMicros, reservedMicros, spentTodayMicros });
  }
}

/**
 * The wallet holds the money: the balance net of its holds and the key's day come from Redis (settlements not yet
 * written to PostgreSQL included). An account the wallet has not loaded has no holds and nothing unwritten there:
 * PostgreSQL's balance is its balance.
 */
@Injectable()
export class WalletKeyBooks extends KeyBooks {
  constructor(private readonly wallet: WalletStore) {
    super();
  }

  async read(accountId: string, keyId: string, stored: KeyInfoRecord): Promise<KeyMoney> {
    const account = toAccountId(accountId);
    const [[balance], spentTodayMicros] = await Promise.all([
      this.wallet.balances([account]),
      this.wallet.keySpentToday(account, keyId),
    ]);
    if (balance === null) return { balanceMicros: stored.balanceMicros, reservedMicros: 0n, spentTodayMicros };
    return { balanceMicros: balance.spendableMicros, reservedMicros: balance.heldMicros, spentTodayMicros };
  }
}

import { Injectable } from '@nestjs/common';
import { AccountRpmLimits, AccountsRepository, TransactionRunner } from '@gw/db';
import { AuditService } from '../audit/audit.service';
import { WalletBalances } from '../billing/wallet-balances.service';
import type { Actor } from '../shared/actor';
import { CacheInvalidator } from '../shared/cache-invalidator.service';
import { isUuid } from '../shared/uuid';
import { AccountView, toAccountView } from './account.view';
import type { AccountRpmLimitsDto } from './account-limits.dto';
import { accountNotFound } from './accounts.service';

/**
 * An account's request-rate limits (spec/policy.md, tiers 1 and 2): changed under the account's row lock with an audit
 * entry, then announced to every proxy (their key records carry the limits), which apply them within a second.
 */
@Injectable()
export class AccountLimitsService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly invalidator: CacheInvalidator,
    private readonly wallet: WalletBalances,
  ) {}

  async setRpmLimits(actor: Actor, id: string, dto: AccountRpmLimitsDto): Promise<AccountView> {
    if (!isUuid(id)) throw accountNotFound(id);
    const changes: Partial<AccountRpmLimits> = {};
    if (dto.rpm !== undefined) changes.rpmLimit = dto.rpm;
    if (dto.accountRpm !== undefined) changes.accountRpmLimit = dto.accountRpm;
    const record = await this.transactions.run(async (tx) => {
      const account = await this.accounts.lockById(id, tx);
      if (!account) throw accountNotFound(id);
      if (Object.keys(changes).length === 0) return account;
      const after = await this.accounts.updateRpmLimits(id, changes, tx);
      const limits = (record: AccountRpmLimits) => ({ rpmLimit: record.rpmLimit, accountRpmLimit: record.accountRpmLimit });
      await this.audit.record(
        actor,
        { action: 'account.rpm_limit', target: `account:${id}`, before: limits(account), after: limits(after) },
        tx,
      );
      return after;
    });
    await this.invalidator.account(id);
    // The balances as GET /accounts/:id shows them (the wallet's, holds and unwritten charges included, on that store).
    return toAccountView(record, await this.wallet.one(id));
  }
}

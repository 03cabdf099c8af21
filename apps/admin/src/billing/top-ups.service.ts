import { Injectable } from '@nestjs/common';
import { formatMicrosAsUsd, GatewayError, GatewayErrorCode, sha256Hex } from '@gw/common';
import { AccountsRepository, IdempotencyRepository, LedgerRepository, TransactionRunner } from '@gw/db';
import { accountNotFound } from '../accounts/accounts.service';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../shared/actor';
import { usdStringToMicros } from '../shared/usd-amount.validator';
import { isUuid } from '../shared/uuid';
import { TOP_UP_BOUNDS, TopUpDto } from './top-up.dto';
import type { TopUpView } from './top-up.view';
import { WalletBalances } from './wallet-balances.service';

const SCOPE = 'top-up';

export interface TopUpResult {
  view: TopUpView;
  /** True when this answer is the stored one of an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

/**
 * Credits an account. The ledger entry, its wallet credit (outbox row), the stored answer of its Idempotency-Key and
 * the audit entry commit in one transaction; a repeat of the key (even a concurrent one, which waits on the first one's
 * row) gets the first answer and moves nothing. After the commit the credit is applied to the Redis wallet (exactly
 * once: the relay catches up if that fails).
 */
@Injectable()
export class TopUpsService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly ledger: LedgerRepository,
    private readonly idempotency: IdempotencyRepository,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly wallet: WalletBalances,
  ) {}

  async topUp(actor: Actor, accountId: string, dto: TopUpDto, idempotencyKey: string | null): Promise<TopUpResult> {
    if (!isUuid(accountId)) throw accountNotFound(accountId);
    const amountMicros = usdStringToMicros(dto.amountUsd, TOP_UP_BOUNDS);
    if (amountMicros === null) throw GatewayError.invalidRequest("Invalid value for 'amountUsd'");
    const reference = dto.reference ?? null;
    const requestHash = sha256Hex(JSON.stringify([accountId, amountMicros.toString(), reference]));

    const result = await this.transactions.run(async (tx) => {
      if (idempotencyKey !== null && !(await this.idempotency.claim(SCOPE, idempotencyKey, requestHash, tx))) {
        const stored = await this.idempotency.find(SCOPE, idempotencyKey, tx);
        if (!stored || stored.requestHash !== requestHash) throw keyReused();
        return { view: replayOf(stored.response as TopUpView), replayed: true, credit: null };
      }
      if (!(await this.accounts.exists(accountId, tx))) throw accountNotFound(accountId);
      const posted = await this.ledger.post(accountId, 'top_up', amountMicros, reference, actor.staffId, tx);
      // Read under the account's row lock: the spendable balance the wallet will have once the credit is applied.
      const wallet = await this.wallet.withCommittedCredits(accountId);
      const view: TopUpView = {
        id: posted.entryId.toString(),
        accountId,
        amountUsd: formatMicrosAsUsd(amountMicros),
        balanceUsd: formatMicrosAsUsd(wallet ? wallet.spendableMicros + posted.creditMicros : posted.balanceMicros),
        reference,
      };
      if (idempotencyKey !== null) await this.idempotency.complete(SCOPE, idempotencyKey, 201, view, tx);
      await this.audit.record(
        actor,
        {
          action: 'account.top_up',
          target: `account:${accountId}`,
          before: { balanceUsd: formatMicrosAsUsd(posted.balanceMicros - amountMicros) },
          after: { ...view, idempotencyKey },
        },
        tx,
      );
      return { view, replayed: false, credit: posted };
    });
    if (result.credit) await this.wallet.applyCommitted(accountId, result.credit.creditSeq, result.credit.creditMicros);
    return { view: result.view, replayed: result.replayed };
  }
}

/** The stored answer with its fields in the order of the first answer (jsonb does not keep key order). */
function replayOf(stored: TopUpView): TopUpView {
  const { id, accountId, amountUsd, balanceUsd, reference } = stored;
  return { id, accountId, amountUsd, balanceUsd, reference };
}

/** 422 (as the IETF Idempotency-Key draft says): the key already stands for a different request. */
function keyReused(): GatewayError {
  return new GatewayError(
    GatewayErrorCode.INVALID_REQUEST,
    'This Idempotency-Key was already used with a different request (account, amount or reference): ' +
      'use a new key for a new top-up',
    { status: 422 },
  );
}

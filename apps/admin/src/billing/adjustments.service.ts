import { Injectable } from '@nestjs/common';
import { formatMicrosAsUsd, GatewayError, GatewayErrorCode, sha256Hex } from '@gw/common';
import {
  IdempotencyRepository,
  LedgerRepository,
  NegativeBalanceError,
  ReconciliationsRepository,
  TransactionRunner,
} from '@gw/db';
import { accountNotFound } from '../accounts/accounts.service';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../shared/actor';
import { usdStringToMicros } from '../shared/usd-amount.validator';
import { isUuid } from '../shared/uuid';
import { ADJUSTMENT_BOUNDS, AdjustmentDto } from './adjustment.dto';
import type { AdjustmentView } from './adjustment.view';
import { WalletBalances } from './wallet-balances.service';

const SCOPE = 'adjustment';

export interface AdjustmentResult {
  view: AdjustmentView;
  /** True when this answer is the stored one of an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

/**
 * Staff correct an account's money with an `adjustment` ledger entry (gw_post): a credit or debit with a reason, or,
 * for an account whose stored columns drifted from the ledger (a finding of a reconciliation), the entry that
 * reconciles them. Reconciliation never does this on its own. The entry, the stored answer of the Idempotency-Key and
 * the audit entry (stored columns before and after) commit in one transaction. A debit that would take the spendable
 * balance below zero is refused unless the request sets `allowNegativeBalance` (gw_post checks it under the account's
 * row lock, so concurrent debits cannot overdraw together).
 */
@Injectable()
export class AdjustmentsService {
  constructor(
    private readonly ledger: LedgerRepository,
    private readonly reconciliations: ReconciliationsRepository,
    private readonly idempotency: IdempotencyRepository,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly wallet: WalletBalances,
  ) {}

  async adjust(
    actor: Actor,
    accountId: string,
    dto: AdjustmentDto,
    idempotencyKey: string | null,
  ): Promise<AdjustmentResult> {
    if (!isUuid(accountId)) throw accountNotFound(accountId);
    const amountMicros = usdStringToMicros(dto.amountUsd, ADJUSTMENT_BOUNDS);
    if (amountMicros === null) throw GatewayError.invalidRequest("Invalid value for 'amountUsd'");
    const reason = dto.reason.trim();
    const reconciliationId = dto.reconciliationId?.toLowerCase() ?? null;
    if (reconciliationId !== null && !(await this.reconciliations.findById(reconciliationId))) {
      throw GatewayError.invalidRequest(`Invalid value for 'reconciliationId': no reconciliation '${reconciliationId}'`);
    }
    const allowNegativeBalance = dto.allowNegativeBalance ?? false;
    const reference = reconciliationId ? `reconciliation ${reconciliationId}: ${reason}` : reason;
    // The flag joins the hash only when set, so that keys stored before it existed still match their repeats.
    const hashed = [accountId, amountMicros.toString(), reason, reconciliationId, ...(allowNegativeBalance ? [true] : [])];
    const requestHash = sha256Hex(JSON.stringify(hashed));

    const result = await this.transactions.run(async (tx) => {
      if (idempotencyKey !== null && !(await this.idempotency.claim(SCOPE, idempotencyKey, requestHash, tx))) {
        const stored = await this.idempotency.find(SCOPE, idempotencyKey, tx);
        if (!stored || stored.requestHash !== requestHash) throw keyReused();
        return { view: replayOf(stored.response as AdjustmentView), replayed: true, credit: null };
      }
      const books = await this.ledger.lockBooks(accountId, tx);
      if (!books) throw accountNotFound(accountId);
      // Read under the account's row lock (no settlement or credit can be written meanwhile): what the wallet holds or
      // has spent beyond the stored balance is not spendable, and a debit may not take the spendable balance below zero.
      // Credits committed but not in the wallet yet count as applied: they are in the stored balance already.
      const wallet = await this.wallet.withCommittedCredits(accountId, {
        required: amountMicros < 0n && !allowNegativeBalance,
      });
      const walletPendingMicros = wallet ? books.storedBalanceMicros - wallet.spendableMicros : 0n;
      const drifted =
        books.storedBalanceMicros !== books.runningBalanceMicros || books.storedReservedMicros !== books.openHoldsMicros;
      if (amountMicros === 0n && !drifted) {
        throw GatewayError.invalidRequest(
          "Invalid value for 'amountUsd': must not be zero (0 only re-states the stored balance of an account that " +
            'drifted from its ledger, and this one has not)',
        );
      }
      const posted = await this.ledger
        .post(accountId, 'adjustment', amountMicros, reference, actor.staffId, tx, {
          allowNegativeBalance,
          walletPendingMicros,
        })
        .catch((error: unknown) => {
          throw error instanceof NegativeBalanceError
            ? wouldGoNegative(books.runningBalanceMicros - walletPendingMicros, amountMicros)
            : error;
        });
      const view: AdjustmentView = {
        id: posted.entryId.toString(),
        accountId,
        amountUsd: formatMicrosAsUsd(amountMicros),
        balanceUsd: formatMicrosAsUsd(wallet ? wallet.spendableMicros + posted.creditMicros : posted.balanceMicros),
        previousBalanceUsd: formatMicrosAsUsd(wallet ? wallet.spendableMicros : books.storedBalanceMicros),
        reservedUsd: formatMicrosAsUsd(wallet ? wallet.heldMicros : books.openHoldsMicros),
        reason,
        reconciliationId,
      };
      if (idempotencyKey !== null) await this.idempotency.complete(SCOPE, idempotencyKey, 201, view, tx);
      await this.audit.record(
        actor,
        {
          action: 'account.adjustment',
          target: `account:${accountId}`,
          before: {
            balanceUsd: formatMicrosAsUsd(books.storedBalanceMicros),
            reservedUsd: formatMicrosAsUsd(books.storedReservedMicros),
            ledgerBalanceUsd: formatMicrosAsUsd(books.runningBalanceMicros),
          },
          after: { ...view, idempotencyKey, allowNegativeBalance },
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
function replayOf(stored: AdjustmentView): AdjustmentView {
  const { id, accountId, amountUsd, balanceUsd, previousBalanceUsd, reservedUsd, reason, reconciliationId } = stored;
  return { id, accountId, amountUsd, balanceUsd, previousBalanceUsd, reservedUsd, reason, reconciliationId };
}

/** 400 naming the amount, with the spendable balance it was checked against (read under the same lock). */
function wouldGoNegative(spendableMicros: bigint, amountMicros: bigint): GatewayError {
  return GatewayError.invalidRequest(
    `Invalid value for 'amountUsd': the adjustment would take the balance below zero ` +
      `(from ${formatMicrosAsUsd(spendableMicros)} ` +
      `to ${formatMicrosAsUsd(spendableMicros + amountMicros)} USD); ` +
      'set "allowNegativeBalance": true to post it anyway',
  );
}

/** 422 (as the IETF Idempotency-Key draft says): the key already stands for a different request. */
function keyReused(): GatewayError {
  return new GatewayError(
    GatewayErrorCode.INVALID_REQUEST,
    'This Idempotency-Key was already used with a different request (account, amount, reason or reconciliation): ' +
      'use a new key for a new adjustment',
    { status: 422 },
  );
}

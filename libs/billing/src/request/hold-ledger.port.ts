import { Injectable } from '@nestjs/common';
import type { AccountId, GenerationId, KeyId } from '@gw/common';
import type { CloseRequest, UsageProtocol, UsageRecordRow } from '@gw/db';
import { BillingService } from '../billing.service';
import type { HoldPlan } from '../estimate/hold-plan';
import { HoldPlacer, PlacedHold } from '../estimate/hold-placer';
import type { DeliveryProbe } from '../holds/hold-heartbeat';

/**
 * The request a hold is for: who and which model, and what the usage record of a hold closed by the stale sweep
 * (its process died) says of the request.
 */
export interface HoldSubject {
  generationId: GenerationId;
  keyId: KeyId;
  modelId: string;
  requestedModel: string;
  protocol: UsageProtocol;
  endpoint: string;
  stream: boolean;
  requestId: string;
  receivedAt: Date;
  /** The key's most per UTC day (settled charges plus open holds); null: no cap. Checked with the hold, atomically. */
  dailyLimitMicros: bigint | null;
}

/** Closing a hold: the charge (0: a release) and the request's usage record. */
export type HoldClose = Omit<CloseRequest, 'generationId' | 'usage'> & { generationId: GenerationId; usage: UsageRecordRow };

/**
 * Where the proxy's reserve and settle stages put and close holds: the only thing they know of the store.
 * BILLING_STORE picks it: PostgreSQL (PostgresHoldLedger) or the Redis wallet (WalletHoldLedger).
 */
export interface HoldLedger {
  /**
   * Places the hold `plan` needs on the account, or reports it does not fit. An accepted hold must be closed, whatever
   * happens to the request; until then `probe` tells the store what the request has delivered. Throws when the store
   * did not decide (the hold may still exist: close it, as for any failure).
   */
  place(accountId: AccountId, subject: HoldSubject, plan: HoldPlan, probe: DeliveryProbe | null): Promise<PlacedHold>;
  /** Charges or releases a hold, with the request's usage record. Never throws; the response never waits on it. */
  close(accountId: AccountId, request: HoldClose): void;
  /**
   * True when close() also keeps the usage record where GET /v1/generation reads it until the record reaches
   * PostgreSQL (the wallet does, in the settlement's own script); false: the caller keeps it (the proxy's
   * RecentGenerations).
   */
  readonly keepsRecentRecords: boolean;
  /** The usage record of a request that held nothing. Best effort. */
  recordUnbilled(row: UsageRecordRow): void;
  /**
   * Shutdown: resolves once every hold of this process is closed and every write started is done, or `timeoutMs` has
   * passed. Returns the holds still open (the store's sweep closes them).
   */
  drain(timeoutMs: number): Promise<number>;
}

export const HOLD_LEDGER = Symbol('HOLD_LEDGER');

/** Holds as reservations in PostgreSQL (gw_reserve / gw_settle, group-committed by BillingService). */
@Injectable()
export class PostgresHoldLedger implements HoldLedger {
  readonly keepsRecentRecords = false;

  constructor(
    private readonly billing: BillingService,
    private readonly placer: HoldPlacer,
  ) {}

  place(accountId: AccountId, subject: HoldSubject, plan: HoldPlan, probe: DeliveryProbe | null): Promise<PlacedHold> {
    const { generationId, keyId, modelId, dailyLimitMicros } = subject;
    return this.placer.place(plan, (amountMicros) =>
      this.billing.reserve(accountId, { generationId, keyId, modelId, amountMicros, dailyLimitMicros }, probe),
    );
  }

  close(accountId: AccountId, request: HoldClose): void {
    void this.billing.close(accountId, request);
  }

  recordUnbilled(row: UsageRecordRow): void {
    this.billing.recordUnbilled(row);
  }

  drain(timeoutMs: number): Promise<number> {
    return this.billing.drain(timeoutMs);
  }
}

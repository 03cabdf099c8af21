import { Injectable } from '@nestjs/common';
import type { AccountId, GenerationId, KeyId } from '@gw/common';
import type { CloseRequest, UsageRecordRow } from '@gw/db';
import { BillingService } from '../billing.service';
import type { HoldPlan } from '../estimate/hold-plan';
import { HoldPlacer, PlacedHold } from '../estimate/hold-placer';
import type { DeliveryProbe } from '../holds/hold-heartbeat';

/** The request a hold is for. */
export interface HoldSubject {
  generationId: GenerationId;
  keyId: KeyId;
  modelId: string;
}

/**
 * Where the proxy's reserve and settle stages put and close holds: the only thing they know of the store. PostgreSQL
 * today (PostgresHoldLedger); the Redis wallet (libs/wallet) is meant to take its place behind this same port, with no
 * other stage changed.
 */
export interface HoldLedger {
  /**
   * Places the hold `plan` needs on the account, or reports it does not fit. An accepted hold must be closed, whatever
   * happens to the request; until then `probe` tells the store what the request has delivered. Throws when the store
   * did not decide (the hold may still exist: close it, as for any failure).
   */
  place(accountId: AccountId, subject: HoldSubject, plan: HoldPlan, probe: DeliveryProbe | null): Promise<PlacedHold>;
  /** Charges or releases a hold, with the request's usage record. Never throws; the response never waits on it. */
  close(accountId: AccountId, request: CloseRequest & { generationId: GenerationId }): void;
  /** The usage record of a request that held nothing. Best effort. */
  recordUnbilled(row: UsageRecordRow): void;
}

export const HOLD_LEDGER = Symbol('HOLD_LEDGER');

/** Holds as reservations in PostgreSQL (gw_reserve / gw_settle, group-committed by BillingService). */
@Injectable()
export class PostgresHoldLedger implements HoldLedger {
  constructor(
    private readonly billing: BillingService,
    private readonly placer: HoldPlacer,
  ) {}

  place(accountId: AccountId, subject: HoldSubject, plan: HoldPlan, probe: DeliveryProbe | null): Promise<PlacedHold> {
    return this.placer.place(accountId, subject, plan, probe);
  }

  close(accountId: AccountId, request: CloseRequest & { generationId: GenerationId }): void {
    void this.billing.close(accountId, request);
  }

  recordUnbilled(row: UsageRecordRow): void {
    this.billing.recordUnbilled(row);
  }
}

import type { UsageProtocol } from '@gw/db';
import type { AccountId, GenerationId, KeyId } from './wallet-ids';

/**
 * What is known of a request when its hold is placed: enough for the usage record the sweep writes (outcome
 * `abandoned`) if the process holding it dies before it settles.
 */
export interface HoldContext {
  keyId: KeyId;
  /** Canonical model id when resolved, otherwise what the client asked for. */
  model: string;
  requestedModel: string | null;
  protocol: UsageProtocol;
  endpoint: string;
  stream: boolean;
  requestId: string | null;
  /** When the request arrived (the usage record's created_at). */
  createdAt: Date;
}

/** Tokens a running request has delivered so far (its heartbeat carries them; the sweep records them). */
export interface DeliveredUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
}

export interface HoldRequest {
  accountId: AccountId;
  generationId: GenerationId;
  /** The hold: an upper bound of the request's cost, in micro-dollars (> 0). */
  amountMicros: bigint;
  context: HoldContext;
  /** The key's (context.keyId) most per UTC day, settled charges plus open holds; null: no cap. */
  dailyLimitMicros?: bigint | null;
}

export type HoldOutcome =
  /** Held: the request may go upstream. `spendableMicros` is what is left after it. */
  | { status: 'held'; spendableMicros: bigint; expiresAt: Date }
  /** This generation already holds money on the account (a retried call): still held, nothing more moved. */
  | { status: 'already_held'; spendableMicros: bigint; expiresAt: Date }
  /** The spendable balance does not cover the hold (402). Nothing held. */
  | { status: 'refused'; spendableMicros: bigint; dailyLeftMicros: bigint | null }
  /** The hold would take the key's spending of today (UTC) past its daily limit (403). Nothing held. */
  | { status: 'daily_limit'; spendableMicros: bigint; dailyLeftMicros: bigint }
  /** This generation was settled already: a generation id is never reused. Nothing held. */
  | { status: 'closed' };

export type SettleOutcome =
  /** The hold was released and the cost charged (the usual case). */
  | { status: 'settled'; chargedMicros: bigint; heldMicros: bigint; spendableMicros: bigint }
  /**
   * The sweep had closed the hold first (this process missed its heartbeats) and charged what was delivered then:
   * `chargedMicros` is the rest (negative: refunded), `totalMicros` the request's cost. Its usage record replaces
   * the abandoned one.
   */
  | { status: 'late'; chargedMicros: bigint; totalMicros: bigint; spendableMicros: bigint }
  /** No hold was found (lost with a Redis restart): the cost was charged anyway. */
  | { status: 'unheld'; chargedMicros: bigint; spendableMicros: bigint }
  /** Settled before (a retried call): nothing moved. `chargedMicros` is what the first settlement charged. */
  | { status: 'duplicate'; chargedMicros: bigint }
  /**
   * The wallet did not answer: the settlement is retried in the background (WalletService.drain waits for it). The
   * hold keeps beating with the final cost as delivered, so that even if this process dies first, the sweep charges it.
   */
  | { status: 'deferred' };

/** An account as the wallet holds it. */
export interface WalletBalance {
  /** Settled balance in the wallet (PostgreSQL's balance minus settlements not yet written there). */
  balanceMicros: bigint;
  /** Sum of open holds. */
  heldMicros: bigint;
  /** What a hold may take: balance - held. */
  spendableMicros: bigint;
  /**
   * The last credit (wallet_credits.seq) the balance includes. Credits commit in PostgreSQL before they reach the
   * wallet: one above it may be in the ledger and not yet in this balance.
   */
  creditSeq: bigint;
}

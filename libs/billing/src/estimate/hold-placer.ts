import { Injectable } from '@nestjs/common';
import type { HoldRefusal } from '@gw/db';
import { ExactTokenCounter } from './exact-token-counter';
import { boundQuote, exactQuote, floorMicros, HoldPlan, HoldQuote } from './hold-plan';
import { textsOf } from './request-text';
import { textBytes } from './token-bound';

/**
 * Texts up to this size are counted exactly to name the amount a refused request needs even when no count could make
 * it fit (a worker-thread job of a few ms at most); larger ones keep the byte bound in the 402.
 */
export const EXACT_QUOTE_MAX_BYTES = 32 * 1024;

/** The outcome of placing a hold: accepted or not, on which quote, and the spendable balance the store reported. */
export interface PlacedHold {
  accepted: boolean;
  /** What was reserved (accepted), or the smallest amount the request was found to need (refused). 0: a free model. */
  quote: HoldQuote;
  balanceMicros: bigint;
  /** Why it was refused (null when accepted): the balance (402) or the key's daily limit (403). */
  refusal: HoldRefusal | null;
}

/**
 * What a money store answers to one hold of `amountMicros`: placed or not, the spendable balance it saw, why it
 * refused, and what the key's daily limit leaves of today (null: no limit).
 */
export interface StoreAnswer {
  accepted: boolean;
  balanceMicros: bigint;
  refusal?: HoldRefusal | null;
  dailyLeftMicros?: bigint | null;
}

/** One attempt to hold `amountMicros` for the request, in whatever store holds the money (PostgreSQL, the wallet). */
export type HoldAttempt = (amountMicros: bigint) => Promise<StoreAnswer>;

/**
 * Places a request's hold at the cheapest true upper bound it can afford to compute:
 * 1. the byte bound (no tokenizer), which almost every request fits;
 * 2. refused, and the model has a tokenizer the gateway knows: the input counted exactly, in a worker thread, bounded
 *    by size and time, and reserved if that smaller hold fits. When nothing could fit (room, the spendable balance or
 *    what the key's daily limit leaves of today when that is less, below what the request costs with its texts free),
 *    counted only up to EXACT_QUOTE_MAX_BYTES of text, to name the amount needed (so a $0 key costs no tokenizer on a
 *    large body).
 */
@Injectable()
export class HoldPlacer {
  constructor(private readonly counter: ExactTokenCounter) {}

  /** `attempt` is called once with the byte bound, and a second time with the exact hold only when that one fits. */
  async place(plan: HoldPlan, attempt: HoldAttempt): Promise<PlacedHold> {
    const bound = boundQuote(plan);
    if (bound.amountMicros === 0n) return { accepted: true, quote: bound, balanceMicros: 0n, refusal: null };
    const first = await attempt(bound.amountMicros);
    if (first.accepted || plan.encoding === null) return placedOn(bound, first);

    const refused = placedOn(bound, first);
    const room = roomOf(first);
    // Nothing could fit: counted all the same when that is cheap, so that the 402 names what the request needs (the
    // byte bound can be several times that); a large text is not, so a $0 key costs no tokenizer on a large body.
    const hopeless = room <= 0n || room < floorMicros(plan);
    if (hopeless && textBytes(plan.input) > EXACT_QUOTE_MAX_BYTES) return refused;
    const exact = await countedQuote(plan, this.counter);
    if (exact === null) return refused;
    if (exact.amountMicros >= bound.amountMicros) return refused;
    // Hopeless implies this: the exact hold is never below the one with every text free.
    if (exact.amountMicros > room) return { ...refused, quote: exact, refusal: refusalAt(exact.amountMicros, first) };
    return placedOn(exact, await attempt(exact.amountMicros));
  }
}

/**
 * The quote with the input counted exactly by the model's tokenizer (in a worker thread, bounded by size and time), or
 * null when it cannot be: a model whose tokenizer the gateway does not have, or a count given up.
 */
export async function countedQuote(plan: HoldPlan, counter: ExactTokenCounter): Promise<HoldQuote | null> {
  if (plan.encoding === null) return null;
  const tokens = await counter.count(textsOf(plan.input), plan.encoding, textBytes(plan.input));
  return tokens === null ? null : exactQuote(plan, tokens);
}

function placedOn(quote: HoldQuote, answer: StoreAnswer): PlacedHold {
  const refusal = answer.accepted ? null : (answer.refusal ?? 'balance');
  return { accepted: answer.accepted, quote, balanceMicros: answer.balanceMicros, refusal };
}

/** The most a hold could be and still fit: the spendable balance, or what the daily limit leaves when that is less. */
function roomOf(answer: StoreAnswer): bigint {
  const left = answer.dailyLeftMicros ?? null;
  return left !== null && left < answer.balanceMicros ? left : answer.balanceMicros;
}

/** Which limit an amount that does not fit would cross first (the daily limit is checked before the balance). */
function refusalAt(amountMicros: bigint, answer: StoreAnswer): HoldRefusal {
  const left = answer.dailyLeftMicros ?? null;
  return left !== null && amountMicros > left ? 'daily_limit' : 'balance';
}

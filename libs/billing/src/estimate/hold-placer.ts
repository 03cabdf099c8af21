import { Injectable } from '@nestjs/common';
import { ExactTokenCounter } from './exact-token-counter';
import { boundQuote, exactQuote, floorMicros, HoldPlan, HoldQuote } from './hold-plan';
import { textBytes } from './token-bound';

/** The outcome of placing a hold: accepted or not, on which quote, and the spendable balance the store reported. */
export interface PlacedHold {
  accepted: boolean;
  /** What was reserved (accepted), or the smallest amount the request was found to need (refused). 0: a free model. */
  quote: HoldQuote;
  balanceMicros: bigint;
}

/** What a money store answers to one hold of `amountMicros`: placed or not, and the spendable balance it saw. */
export interface StoreAnswer {
  accepted: boolean;
  balanceMicros: bigint;
}

/** One attempt to hold `amountMicros` for the request, in whatever store holds the money (PostgreSQL, the wallet). */
export type HoldAttempt = (amountMicros: bigint) => Promise<StoreAnswer>;

/**
 * Places a request's hold at the cheapest true upper bound it can afford to compute:
 * 1. the byte bound (no tokenizer), which almost every request fits;
 * 2. refused, and the model has a tokenizer the gateway knows: the input counted exactly, in a worker thread, bounded
 *    by size and time, and reserved if that smaller hold fits. Never counted when nothing could fit: a spendable
 *    balance below what the request costs with its texts free (so a $0 key costs no tokenizer, whatever it sends).
 */
@Injectable()
export class HoldPlacer {
  constructor(private readonly counter: ExactTokenCounter) {}

  /** `attempt` is called once with the byte bound, and a second time with the exact hold only when that one fits. */
  async place(plan: HoldPlan, attempt: HoldAttempt): Promise<PlacedHold> {
    const bound = boundQuote(plan);
    if (bound.amountMicros === 0n) return { accepted: true, quote: bound, balanceMicros: 0n };
    const first = await attempt(bound.amountMicros);
    if (first.accepted || plan.encoding === null) return { accepted: first.accepted, quote: bound, balanceMicros: first.balanceMicros };

    const refused = { accepted: false, quote: bound, balanceMicros: first.balanceMicros };
    if (first.balanceMicros <= 0n || first.balanceMicros < floorMicros(plan)) return refused;
    const tokens = await this.counter.count(plan.input.pieces, plan.encoding, textBytes(plan.input));
    if (tokens === null) return refused;
    const exact = exactQuote(plan, tokens);
    if (exact.amountMicros >= bound.amountMicros) return refused;
    if (exact.amountMicros > first.balanceMicros) return { ...refused, quote: exact };
    const second = await attempt(exact.amountMicros);
    return { accepted: second.accepted, quote: exact, balanceMicros: second.balanceMicros };
  }
}

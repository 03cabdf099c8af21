import { holdMicros, ModelPrice } from '../pricing';
import type { ExactEncoding } from './model-tokens';
import type { RequestText } from './request-text';
import { tokenBound } from './token-bound';

/**
 * Everything a request can cost, before anything is counted: the text it sends, the most output it can be billed
 * for, and the prices. The hold is a quote on this plan (holdMicros), so no usage the provider can report for the
 * request costs more than its hold (README, "Billing": the bound and why it holds).
 */
export interface HoldPlan {
  price: ModelPrice;
  /** What the provider reads. */
  input: RequestText;
  /**
   * The most output the request can be billed for: its output limit (the one sent upstream, see request/request-estimate.ts)
   * times the choices asked for, plus output billed whatever the answer (predicted output).
   */
  outputTokens: number;
  /** The model's own tokenizer, when the gateway has it: an exact count may then replace the byte bound. */
  encoding: ExactEncoding | null;
}

/** A hold amount and the counts it was computed from. */
export interface HoldQuote {
  inputTokens: number;
  outputTokens: number;
  amountMicros: bigint;
  /** True when the input was counted with the model's own tokenizer, false for the byte bound. */
  exact: boolean;
}

/** The byte bound: no tokenizer, linear in the body (a few ms for 10 MB). */
export function boundQuote(plan: HoldPlan): HoldQuote {
  return quote(plan, tokenBound(plan.input), false);
}

/** The quote with the input counted exactly (`textTokens` for the pieces, allowances added here). */
export function exactQuote(plan: HoldPlan, textTokens: number): HoldQuote {
  return quote(plan, textTokens + plan.input.allowanceTokens, true);
}

/** The least any count could make the hold: the plan with its texts free. A balance below it cannot fit the request. */
export function floorMicros(plan: HoldPlan): bigint {
  return holdMicros(plan.price, plan.input.allowanceTokens, plan.outputTokens);
}

function quote(plan: HoldPlan, inputTokens: number, exact: boolean): HoldQuote {
  return { inputTokens, outputTokens: plan.outputTokens, amountMicros: holdMicros(plan.price, inputTokens, plan.outputTokens), exact };
}

import type { UsageOutcome } from '@gw/db';
import type { ExactTokenCounter } from '../estimate/exact-token-counter';
import { chargeableTokens } from '../estimate/charge-count';
import type { HoldPlan, HoldQuote } from '../estimate/hold-plan';
import type { DeliveryProbe } from '../holds/hold-heartbeat';
import type { ExactEncoding } from '../estimate/model-tokens';
import type { RequestText } from '../estimate/request-text';
import { costMicros, ModelPrice, RequestCosts, TokenUsage } from '../pricing';

/** A request's hold, and what the settlement needs to count its input when the provider does not report it. */
export interface RequestHold {
  /** What was reserved (0: a free model, nothing held; also 0 until the hold is accepted). */
  amountMicros: bigint;
  /** The input tokens the hold covers (an upper bound, never a charge). */
  inputTokens: number;
  /** The output tokens the hold covers: the limit sent upstream, times the choices. */
  readonly maxOutputTokens: number;
  readonly price: ModelPrice;
  /** What the provider charges the gateway for the same tokens (the usage record's upstream cost). */
  readonly upstreamPrice: ModelPrice;
  /** The request's text, and the model's tokenizer if the gateway has it. */
  readonly input: RequestText;
  readonly encoding: ExactEncoding | null;
  /** The input counted for a charge (memoized: a heartbeat and the settlement may both need it). */
  chargedInput?: Promise<number>;
}

/**
 * A request's hold on `plan`, holding nothing until a quote is accepted (acceptQuote). `upstreamPrice`: the model's
 * prices before its markup (upstreamPriceOf), for the upstream cost of the settlement.
 */
export function openHold(plan: HoldPlan, upstreamPrice: ModelPrice): RequestHold {
  return {
    amountMicros: 0n,
    inputTokens: 0,
    maxOutputTokens: plan.outputTokens,
    price: plan.price,
    upstreamPrice,
    input: plan.input,
    encoding: plan.encoding,
  };
}

export function acceptQuote(hold: RequestHold, quote: HoldQuote): void {
  hold.amountMicros = quote.amountMicros;
  hold.inputTokens = quote.inputTokens;
}

/** The request's input as charged when the provider did not report it: counted once, off the event loop. */
export function chargedInputOf(hold: RequestHold, counter: ExactTokenCounter): Promise<number> {
  return (hold.chargedInput ??= chargeableTokens(counter, hold.input, hold.encoding));
}

/** What a request used, with the gateway's own counts where the provider reported none. */
export interface ReportedUsage {
  usage: TokenUsage;
  /** False when the provider did not report the input (usage.inputTokens is then 0). */
  inputReported: boolean;
  /** An answer's output text when the provider reported no usage, for the gateway to count. */
  outputText?: string | null;
}

/** The usage to charge: the provider's counts, completed by the gateway's where it reported none. */
export async function usageToCharge(hold: RequestHold, reported: ReportedUsage, counter: ExactTokenCounter): Promise<TokenUsage> {
  if (reported.inputReported && !reported.outputText) return reported.usage;
  const usage = { ...reported.usage };
  if (!reported.inputReported) usage.inputTokens = await chargedInputOf(hold, counter);
  if (reported.outputText) {
    usage.outputTokens = await chargeableTokens(counter, { pieces: [reported.outputText], allowanceTokens: 0 }, null);
  }
  return usage;
}

/**
 * What a running request has delivered so far, priced, for the hold's heartbeat (the sweep charges it should this
 * process die); `delivered` reads it (undefined while nothing is known, e.g. before a stream starts).
 */
export function deliveryProbe(
  hold: RequestHold,
  delivered: () => ReportedUsage | undefined,
  counter: ExactTokenCounter,
): DeliveryProbe {
  return async () => {
    const sofar = delivered();
    if (!sofar) return null;
    const usage = sofar.inputReported ? sofar.usage : { ...sofar.usage, inputTokens: await chargedInputOf(hold, counter) };
    return { ...usage, costMicros: costMicros(hold.price, usage) };
  };
}

/** What the usage costs at the hold's prices. Throws RangeError on usage that cannot be priced. */
export function chargeFor(hold: RequestHold, usage: TokenUsage): bigint {
  return costMicros(hold.price, usage);
}

/** What the usage costs the customer (the charge) and the gateway (upstream), each rounded up once. Throws as chargeFor. */
export function costsFor(hold: RequestHold, usage: TokenUsage): RequestCosts {
  return { costMicros: costMicros(hold.price, usage), upstreamCostMicros: costMicros(hold.upstreamPrice, usage) };
}

/** How a request that failed after its hold ended, for its usage record. */
export function failureOutcome(failure: { clientGone: boolean; shutdown: boolean; status: number }): UsageOutcome {
  if (failure.clientGone) return 'client_aborted';
  if (failure.shutdown) return 'gateway_shutdown';
  return failure.status >= 500 ? 'upstream_error' : 'rejected';
}

/**
 * How a hold is closed: a free model held nothing, so its record is written as unbilled (a usage record always matches
 * the ledger); otherwise the hold is charged (`settlement`) or, when nothing is owed, released.
 */
export function closingOf(hold: RequestHold, costMicros: bigint): 'unbilled' | 'settlement' | 'release' {
  if (hold.amountMicros === 0n) return 'unbilled';
  return costMicros > 0n ? 'settlement' : 'release';
}

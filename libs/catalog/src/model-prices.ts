import { applyMarkup, defaultCachedInputPrice, defaultCacheWritePrice, formatMarkup, formatMicrosAsUsd, parseMarkup } from '@gw/common';
import type { AppConfig } from '@gw/config';
import type { ChargedPricePins, ModelRecord, ModelSettings, StoredModel } from '@gw/db';

/** Every price of a model, in micro-dollars per million tokens, none left to a default. */
export interface PriceTable {
  inputMicrosPerMTok: bigint;
  outputMicrosPerMTok: bigint;
  cachedInputMicrosPerMTok: bigint;
  cacheWriteMicrosPerMTok: bigint;
}

/** A model's prices: what it is charged at (pins included), its markup and what the provider charges. */
export interface ModelPrices extends PriceTable {
  /** The markup in effect, as its shortest decimal ("1.05"). */
  markup: string;
  upstream: PriceTable;
}

/**
 * A model as the proxy serves it (spec/policy.md, "Prices"): the charged prices where the billing path reads them
 * (ModelRecord's fields, the cache prices never null: defaults filled in), plus the upstream prices, the markup in effect and the per-account limit in effect.
 */
export interface CatalogModel
  extends Omit<ModelRecord, 'cachedInputMicrosPerMTok' | 'cacheWriteMicrosPerMTok'>,
    ModelPrices {
  /** Requests per minute of one account on this model; 0: no limit. */
  rpmPerAccount: number;
}

/** The deployment's defaults for models that do not set their own (PRICE_MARKUP, DEFAULT_MODEL_RPM_PER_ACCOUNT). */
export interface ModelDefaults {
  markupMillionths: bigint;
  rpmPerAccount: number;
}

export function modelDefaults(config: AppConfig): ModelDefaults {
  return {
    markupMillionths: config.pricing.defaultMarkupMillionths,
    rpmPerAccount: config.proxy.defaultModelRpmPerAccount,
  };
}

/**
 * The provider's prices with the defaults for what a model does not set: cache reads at 0.1 x input and cache writes
 * at 1.25 x input (Anthropic's five-minute cache write; OpenAI's and Gemini's cached input are about that low),
 * rounded up to the micro-dollar.
 */
export function upstreamPrices(stored: ModelSettings): PriceTable {
  const input = stored.inputMicrosPerMTok;
  return {
    inputMicrosPerMTok: input,
    outputMicrosPerMTok: stored.outputMicrosPerMTok,
    cachedInputMicrosPerMTok: stored.cachedInputMicrosPerMTok ?? defaultCachedInputPrice(input),
    cacheWriteMicrosPerMTok: stored.cacheWriteMicrosPerMTok ?? defaultCacheWritePrice(input),
  };
}

/** Each upstream price x the markup, rounded up to the micro-dollar (bigint: the same on every instance). */
export function chargedPrices(upstream: PriceTable, markupMillionths: bigint): PriceTable {
  return {
    inputMicrosPerMTok: applyMarkup(upstream.inputMicrosPerMTok, markupMillionths),
    outputMicrosPerMTok: applyMarkup(upstream.outputMicrosPerMTok, markupMillionths),
    cachedInputMicrosPerMTok: applyMarkup(upstream.cachedInputMicrosPerMTok, markupMillionths),
    cacheWriteMicrosPerMTok: applyMarkup(upstream.cacheWriteMicrosPerMTok, markupMillionths),
  };
}

/** The markup in effect (millionths): the model's own, else the default. */
export function markupOf(stored: Pick<ModelSettings, 'markup'>, defaults: ModelDefaults): bigint {
  if (stored.markup === null) return defaults.markupMillionths;
  const millionths = parseMarkup(stored.markup);
  if (millionths === null) throw new RangeError(`invalid markup ${stored.markup}`);
  return millionths;
}

/** Where each price kind's pin is stored (ModelSettings). */
export const PRICE_PINS: Readonly<Record<keyof PriceTable, keyof ChargedPricePins>> = {
  inputMicrosPerMTok: 'pinnedInputMicrosPerMTok',
  outputMicrosPerMTok: 'pinnedOutputMicrosPerMTok',
  cachedInputMicrosPerMTok: 'pinnedCachedInputMicrosPerMTok',
  cacheWriteMicrosPerMTok: 'pinnedCacheWriteMicrosPerMTok',
};

/** The pinned charged prices of a model, by kind (only the kinds it pins). */
export function pinnedPrices(stored: ChargedPricePins): Partial<PriceTable> {
  const pinned: Partial<PriceTable> = {};
  for (const [kind, pin] of Object.entries(PRICE_PINS) as Array<[keyof PriceTable, keyof ChargedPricePins]>) {
    const price = stored[pin];
    if (price !== null) pinned[kind] = price;
  }
  return pinned;
}

/**
 * What a model charges: the one place charged prices come from (the proxies' catalog, hence billing and the models
 * lists, and the admin API). Each kind is its upstream price x the markup, rounded up, unless staff pinned that kind's
 * charged price (a price no whole upstream price reaches at the markup; its upstream price is then the largest whose
 * charged price does not exceed the pin, less than 1 micro-dollar per MTok below pin / markup): then it is the pin.
 */
export function modelPrices(stored: ModelSettings, defaults: ModelDefaults): ModelPrices {
  const markup = markupOf(stored, defaults);
  const upstream = upstreamPrices(stored);
  return { ...chargedPrices(upstream, markup), ...pinnedPrices(stored), markup: formatMarkup(markup), upstream };
}

/** The catalog's record of a stored model (the pins are in its charged prices). */
export function toCatalogModel(stored: StoredModel, defaults: ModelDefaults): CatalogModel {
  const {
    markup: _markup,
    rpmPerAccount,
    pinnedInputMicrosPerMTok: _input,
    pinnedOutputMicrosPerMTok: _output,
    pinnedCachedInputMicrosPerMTok: _cachedInput,
    pinnedCacheWriteMicrosPerMTok: _cacheWrite,
    ...model
  } = stored;
  return { ...model, ...modelPrices(stored, defaults), rpmPerAccount: rpmPerAccount ?? defaults.rpmPerAccount };
}

/** USD per million tokens as decimal strings (6 places): how both the admin API and /v1/models show prices. */
export interface PriceTableView {
  inputUsdPerMTok: string;
  outputUsdPerMTok: string;
  cachedInputUsdPerMTok: string;
  cacheWriteUsdPerMTok: string;
}

export interface ModelPricesView extends PriceTableView {
  markup: string;
  upstream: PriceTableView;
}

export function toPriceTableView(table: PriceTable): PriceTableView {
  return {
    inputUsdPerMTok: formatMicrosAsUsd(table.inputMicrosPerMTok),
    outputUsdPerMTok: formatMicrosAsUsd(table.outputMicrosPerMTok),
    cachedInputUsdPerMTok: formatMicrosAsUsd(table.cachedInputMicrosPerMTok),
    cacheWriteUsdPerMTok: formatMicrosAsUsd(table.cacheWriteMicrosPerMTok),
  };
}

export function toModelPricesView(prices: ModelPrices): ModelPricesView {
  return { ...toPriceTableView(prices), markup: prices.markup, upstream: toPriceTableView(prices.upstream) };
}

import { applyMarkup, formatMarkup, formatMicrosAsUsd, GatewayError, MARKUP_SCALE, parseMarkup } from '@gw/common';
import { chargedPrices, markupOf, type ModelDefaults, type PriceTable, upstreamPrices } from '@gw/catalog';
import type { ModelChanges, ModelSettings } from '@gw/db';
import { usdStringToMicros } from '../shared/usd-amount.validator';
import type { ModelViewDefaults } from './model.view';
import { PRICE_BOUNDS, type UpdateModelDto } from './models.dto';

type PriceField = keyof PriceTable;
type UsdField = 'inputUsdPerMTok' | 'outputUsdPerMTok' | 'cachedInputUsdPerMTok' | 'cacheWriteUsdPerMTok';

const PRICE_FIELDS: ReadonlyArray<{ stored: PriceField; usd: UsdField; defaulted: boolean }> = [
  { stored: 'inputMicrosPerMTok', usd: 'inputUsdPerMTok', defaulted: false },
  { stored: 'outputMicrosPerMTok', usd: 'outputUsdPerMTok', defaulted: false },
  { stored: 'cachedInputMicrosPerMTok', usd: 'cachedInputUsdPerMTok', defaulted: true },
  { stored: 'cacheWriteMicrosPerMTok', usd: 'cacheWriteUsdPerMTok', defaulted: true },
];

/**
 * What a PUT changes. GET's answer sent back changes nothing: a value equal to the default a model follows keeps it
 * following the default (markup, rpmPerAccount, timeoutS, the cache prices), and the top-level (charged) prices equal
 * to the current ones are what GET showed. A new top-level price sets the upstream price that, at the markup in
 * effect after the change, charges exactly it; `upstream` and `markup` set the stored values directly.
 */
export function modelChanges(dto: UpdateModelDto, model: ModelSettings, defaults: ModelViewDefaults): ModelChanges {
  const changes: ModelChanges = {};
  const aliases = dto.aliases === undefined ? undefined : [...new Set(dto.aliases)];
  if (aliases !== undefined && aliases.join('\n') !== model.aliases.join('\n')) changes.aliases = aliases;
  if (dto.maxOutputTokens !== undefined && dto.maxOutputTokens !== model.maxOutputTokens) {
    changes.maxOutputTokens = dto.maxOutputTokens;
  }
  const timeoutS = followsDefault(model.timeoutS, dto.timeoutS, defaults.timeoutS) ? undefined : dto.timeoutS;
  if (timeoutS !== undefined && timeoutS !== model.timeoutS) changes.timeoutS = timeoutS;
  if (dto.enabled !== undefined && dto.enabled !== model.enabled) changes.enabled = dto.enabled;
  const rpm = followsDefault(model.rpmPerAccount, dto.rpmPerAccount, defaults.rpmPerAccount) ? undefined : dto.rpmPerAccount;
  if (rpm !== undefined && rpm !== model.rpmPerAccount) changes.rpmPerAccount = rpm;
  if (dto.markup !== undefined) {
    const markup = dto.markup === null ? null : parseMarkup(dto.markup)!;
    const stored = followsDefault(model.markup === null ? null : parseMarkup(model.markup), markup, defaults.markupMillionths)
      ? undefined
      : markup === null
        ? null
        : formatMarkup(markup);
    if (stored !== undefined && stored !== model.markup) changes.markup = stored;
  }
  return { ...changes, ...priceChanges(dto, model, defaults, changes.markup) };
}

function priceChanges(
  dto: UpdateModelDto,
  model: ModelSettings,
  defaults: ModelDefaults,
  newMarkup: string | null | undefined,
): ModelChanges {
  const current = upstreamPrices(model);
  const charged = chargedPrices(current, markupOf(model, defaults));
  const markup = markupOf({ markup: newMarkup === undefined ? model.markup : newMarkup }, defaults);
  const changes: ModelChanges = {};
  for (const field of PRICE_FIELDS) {
    const upstream = dto.upstream?.[field.usd];
    const top = dto[field.usd];
    let stored: bigint | null | undefined;
    if (upstream !== undefined) {
      if (top !== undefined && (top === null || price(top, field.usd) !== charged[field.stored])) {
        throw GatewayError.invalidRequest(
          `Invalid value for '${field.usd}': send either the charged price or upstream.${field.usd}, not both`,
        );
      }
      stored = upstream === null ? null : price(upstream, `upstream.${field.usd}`);
      if (field.defaulted && model[field.stored] === null && stored === current[field.stored]) stored = undefined;
    } else if (top === null) {
      stored = null;
    } else if (top !== undefined && price(top, field.usd) !== charged[field.stored]) {
      stored = upstreamCharging(price(top, field.usd), markup, field.usd);
    }
    if (stored !== undefined && stored !== model[field.stored]) Object.assign(changes, { [field.stored]: stored });
  }
  return changes;
}

/** A value sent back for a setting that follows its default, equal to that default: it keeps following it. */
function followsDefault<T>(stored: T | null, sent: T | null | undefined, fallback: T): boolean {
  return stored === null && sent === fallback;
}

/**
 * The upstream price that, marked up and rounded up, charges exactly `charged`: the largest such price, or a 400
 * naming the nearest charged prices there are (at a markup above 1 not every micro-dollar is reachable).
 */
function upstreamCharging(charged: bigint, markup: bigint, field: UsdField): bigint {
  if (markup === 0n) {
    if (charged === 0n) return 0n;
    throw GatewayError.invalidRequest(`Invalid value for '${field}': at a markup of 0 every charged price is 0`);
  }
  const upstream = (charged * MARKUP_SCALE) / markup;
  if (applyMarkup(upstream, markup) === charged) return upstream;
  const below = formatMicrosAsUsd(applyMarkup(upstream, markup));
  const above = formatMicrosAsUsd(applyMarkup(upstream + 1n, markup));
  throw GatewayError.invalidRequest(
    `Invalid value for '${field}': no upstream price charges exactly ${formatMicrosAsUsd(charged)} at markup ` +
      `${formatMarkup(markup)} (the nearest are ${below} and ${above}); set upstream.${field} instead`,
  );
}

function price(value: string, field: string): bigint {
  const micros = usdStringToMicros(value, PRICE_BOUNDS);
  if (micros === null) throw GatewayError.invalidRequest(`Invalid value for '${field}': '${value}' is not a price`);
  return micros;
}

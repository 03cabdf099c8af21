import { applyMarkup, formatMarkup, formatMicrosAsUsd, GatewayError, MARKUP_SCALE, parseMarkup } from '@gw/common';
import { markupOf, type ModelDefaults, modelPrices, PRICE_PINS, type PriceTable, upstreamPrices } from '@gw/catalog';
import type { ModelChanges, ModelSettings } from '@gw/db';
import { type UsdBounds, usdStringToMicros } from '../shared/usd-amount.validator';
import type { ModelViewDefaults } from './model.view';
import { CHARGED_PRICE_BOUNDS, PRICE_BOUNDS, SHOWN_UPSTREAM_PRICE_BOUNDS, type UpdateModelDto } from './models.dto';

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
 * to the current ones (pinned or not) are what GET showed. A new top-level price is charged exactly, at the markup in
 * effect after the change: the upstream price becomes the one that charges it, or, when none does, the largest whose
 * charged price is below it, and that kind's charged price is pinned (see upstreamCharging). `upstream` and `markup`
 * set the stored values directly: a price sent in `upstream` clears its kind's pin, and a change of the markup in
 * effect clears every pin whose top-level price the same PUT does not set anew (charged = upstream x the new markup).
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
  const charged = modelPrices(model, defaults);
  const before = markupOf(model, defaults);
  const markup = newMarkup === undefined ? before : markupOf({ markup: newMarkup }, defaults);
  const changes: ModelChanges = {};
  for (const field of PRICE_FIELDS) {
    const upstream = dto.upstream?.[field.usd];
    const top = dto[field.usd];
    const wanted = top === undefined || top === null ? top : chargedPrice(top, field.usd);
    const sentBack = typeof wanted === 'bigint' && wanted === charged[field.stored];
    let stored: bigint | null | undefined;
    // undefined keeps the pin; another markup re-derives every charged price not set anew.
    let pin: bigint | null | undefined = markup === before ? undefined : null;
    if (upstream !== undefined) {
      if (top !== undefined && !sentBack) {
        throw GatewayError.invalidRequest(
          `Invalid value for '${field.usd}': send either the charged price or upstream.${field.usd}, not both`,
        );
      }
      stored = upstream === null ? null : price(upstream, `upstream.${field.usd}`);
      if (field.defaulted && model[field.stored] === null && stored === current[field.stored]) stored = undefined;
      if (stored !== undefined && stored !== null && stored !== model[field.stored] && stored > PRICE_BOUNDS.max) {
        throw GatewayError.invalidRequest(
          `Invalid value for 'upstream.${field.usd}': above the largest upstream price (${formatMicrosAsUsd(PRICE_BOUNDS.max)})`,
        );
      }
      // Both sides of the field as GET showed them change nothing; otherwise the upstream price sent is charged.
      if (!sentBack || (stored !== undefined && stored !== model[field.stored])) pin = null;
    } else if (wanted === null) {
      stored = null;
      pin = null;
    } else if (typeof wanted === 'bigint' && !sentBack) {
      ({ upstream: stored, pin } = upstreamCharging(wanted, markup, field.usd));
    }
    if (stored !== undefined && stored !== model[field.stored]) Object.assign(changes, { [field.stored]: stored });
    const pinned = PRICE_PINS[field.stored];
    if (pin !== undefined && pin !== model[pinned]) Object.assign(changes, { [pinned]: pin });
  }
  return changes;
}

/** A value sent back for a setting that follows its default, equal to that default: it keeps following it. */
function followsDefault<T>(stored: T | null, sent: T | null | undefined, fallback: T): boolean {
  return stored === null && sent === fallback;
}

/**
 * How to charge exactly `charged` at `markup`: the largest upstream price whose charged price (x markup, rounded up
 * to the micro-dollar) does not exceed it, floor(charged / markup). When that charges exactly `charged`, no pin. At a
 * markup above 1 not every micro-dollar is reached (at 1.05, c with c mod 21 = 1 micro-dollars per MTok, "1.00" among
 * them): then the charged price is pinned to `charged`, and the upstream price shown is less than 1 micro-dollar per
 * MTok below charged / markup. At a markup of 0 every charged price is 0.
 */
function upstreamCharging(charged: bigint, markup: bigint, field: UsdField): { upstream: bigint; pin: bigint | null } {
  if (markup === 0n) {
    if (charged === 0n) return { upstream: 0n, pin: null };
    throw GatewayError.invalidRequest(`Invalid value for '${field}': at a markup of 0 every charged price is 0`);
  }
  const upstream = (charged * MARKUP_SCALE) / markup;
  if (upstream > PRICE_BOUNDS.max) {
    throw GatewayError.invalidRequest(
      `Invalid value for '${field}': above the largest charged price at markup ${formatMarkup(markup)} ` +
        `(${formatMicrosAsUsd(applyMarkup(PRICE_BOUNDS.max, markup))})`,
    );
  }
  return { upstream, pin: applyMarkup(upstream, markup) === charged ? null : charged };
}

/** An upstream price (`upstream.*`), as GET may show it: a new one is then held to PRICE_BOUNDS. */
function price(value: string, field: string): bigint {
  return priceWithin(value, field, SHOWN_UPSTREAM_PRICE_BOUNDS);
}

/** A top-level (charged) price: up to the largest upstream price at the largest markup. */
function chargedPrice(value: string, field: string): bigint {
  return priceWithin(value, field, CHARGED_PRICE_BOUNDS);
}

function priceWithin(value: string, field: string, bounds: UsdBounds): bigint {
  const micros = usdStringToMicros(value, bounds);
  if (micros === null) throw GatewayError.invalidRequest(`Invalid value for '${field}': '${value}' is not a price`);
  return micros;
}

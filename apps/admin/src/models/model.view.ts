import { ApiProperty } from '@nestjs/swagger';
import { formatMicrosAsUsd } from '@gw/common';
import { ModelDefaults, modelPrices, pinnedPrices, toModelPricesView } from '@gw/catalog';
import { MODEL_PROVIDERS, type ModelProvider, type ModelSettings } from '@gw/db';

const CHARGED =
  'Charged: upstream x markup rounded up, or the price pinned by a PUT that no upstream price reaches at the markup ' +
  '(upstream is then less than 0.000001 below it / markup)';

/** USD per million tokens as decimal strings. */
export class PriceTableView {
  @ApiProperty({ example: '0.400000' }) inputUsdPerMTok!: string;
  @ApiProperty({ example: '1.600000' }) outputUsdPerMTok!: string;
  @ApiProperty({ example: '0.100000', description: 'Defaults to 0.1 x input' }) cachedInputUsdPerMTok!: string;
  @ApiProperty({ example: '0.500000', description: 'Defaults to 1.25 x input' }) cacheWriteUsdPerMTok!: string;
}

/**
 * Prices are USD per million tokens, as decimal strings: the top-level ones are what the gateway charges (upstream x
 * markup, rounded up to 6 decimals, or the price a PUT pinned because no upstream price reaches it at the markup:
 * its upstream price is then less than 0.000001 below it / markup), `upstream` what the provider charges. Channels
 * (provider credentials) are never shown.
 */
export class ModelView {
  @ApiProperty({ example: 'openai/gpt-4.1-mini' }) id!: string;
  @ApiProperty({ type: [String], example: ['gpt-4.1-mini'] }) aliases!: string[];
  @ApiProperty({ enum: MODEL_PROVIDERS }) provider!: ModelProvider;
  @ApiProperty({ example: '0.420000', description: CHARGED }) inputUsdPerMTok!: string;
  @ApiProperty({ example: '1.680000', description: CHARGED }) outputUsdPerMTok!: string;
  @ApiProperty({ example: '0.105000', description: CHARGED }) cachedInputUsdPerMTok!: string;
  @ApiProperty({ example: '0.525000', description: CHARGED }) cacheWriteUsdPerMTok!: string;
  @ApiProperty({ example: '1.05', description: "The model's own, or PRICE_MARKUP when it has none" }) markup!: string;
  @ApiProperty({ type: PriceTableView, description: 'What the provider charges' }) upstream!: PriceTableView;
  @ApiProperty({
    example: 0,
    description:
      "Requests per minute of one account on this model (0: no limit): the model's own, or DEFAULT_MODEL_RPM_PER_ACCOUNT",
  })
  rpmPerAccount!: number;
  @ApiProperty({ example: 32768 }) maxOutputTokens!: number;
  @ApiProperty({
    example: 120,
    description: "Upstream timeout per attempt in seconds: the model's own, or UPSTREAM_TIMEOUT_S when it has none",
  })
  timeoutS!: number;
  @ApiProperty() enabled!: boolean;
}

/** The deployment's defaults, shown for a model without its own: UPSTREAM_TIMEOUT_S, PRICE_MARKUP, the RPM default. */
export interface ModelViewDefaults extends ModelDefaults {
  timeoutS: number;
}

export function toModelView(model: ModelSettings, defaults: ModelViewDefaults): ModelView {
  return {
    id: model.id,
    aliases: model.aliases,
    provider: model.provider,
    ...toModelPricesView(modelPrices(model, defaults)),
    rpmPerAccount: model.rpmPerAccount ?? defaults.rpmPerAccount,
    maxOutputTokens: model.maxOutputTokens,
    timeoutS: model.timeoutS ?? defaults.timeoutS,
    enabled: model.enabled,
  };
}

/** A model as its audit entries record it: its view, plus the charged prices it pins (by field) when it pins any. */
export function toAuditedModel(model: ModelSettings, defaults: ModelViewDefaults): ModelView & { pinned?: Record<string, string> } {
  const view = toModelView(model, defaults);
  const pinned = Object.entries(pinnedPrices(model)).map(([kind, micros]) => [
    kind.replace(/MicrosPerMTok$/, 'UsdPerMTok'),
    formatMicrosAsUsd(micros),
  ]);
  return pinned.length === 0 ? view : { ...view, pinned: Object.fromEntries(pinned) };
}

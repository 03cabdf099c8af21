import { ApiProperty } from '@nestjs/swagger';
import { formatMicrosAsUsd } from '@gw/common';
import { MODEL_PROVIDERS, type ModelProvider, type ModelSettings } from '@gw/db';

/** Prices are USD per million tokens, as decimal strings. Channels (provider credentials) are never shown. */
export class ModelView {
  @ApiProperty({ example: 'openai/gpt-4.1-mini' }) id!: string;
  @ApiProperty({ type: [String], example: ['gpt-4.1-mini'] }) aliases!: string[];
  @ApiProperty({ enum: MODEL_PROVIDERS }) provider!: ModelProvider;
  @ApiProperty({ example: '0.400000' }) inputUsdPerMTok!: string;
  @ApiProperty({ example: '1.600000' }) outputUsdPerMTok!: string;
  @ApiProperty({ type: String, nullable: true, example: '0.100000' }) cachedInputUsdPerMTok!: string | null;
  @ApiProperty({ example: 32768 }) maxOutputTokens!: number;
  @ApiProperty({
    example: 120,
    description: "Upstream timeout per attempt in seconds: the model's own, or UPSTREAM_TIMEOUT_S when it has none",
  })
  timeoutS!: number;
  @ApiProperty() enabled!: boolean;
}

/** `defaultTimeoutS`: UPSTREAM_TIMEOUT_S, shown for a model without a timeout of its own. */
export function toModelView(model: ModelSettings, defaultTimeoutS: number): ModelView {
  return {
    id: model.id,
    aliases: model.aliases,
    provider: model.provider,
    inputUsdPerMTok: formatMicrosAsUsd(model.inputMicrosPerMTok),
    outputUsdPerMTok: formatMicrosAsUsd(model.outputMicrosPerMTok),
    cachedInputUsdPerMTok:
      model.cachedInputMicrosPerMTok === null ? null : formatMicrosAsUsd(model.cachedInputMicrosPerMTok),
    maxOutputTokens: model.maxOutputTokens,
    timeoutS: model.timeoutS ?? defaultTimeoutS,
    enabled: model.enabled,
  };
}

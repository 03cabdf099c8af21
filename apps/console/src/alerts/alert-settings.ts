import type { AlertSettings } from '../api/types';
import { plainUsd, usdToMicros } from '../format/money';

export interface AlertValues {
  thresholds: string[];
  webhookUrl: string;
  /** Empty: keep the current one. */
  secret: string;
}

export function initialAlertValues(settings: AlertSettings): AlertValues {
  return { thresholds: settings.thresholdsUsd.map(plainUsd), webhookUrl: settings.webhookUrl ?? '', secret: '' };
}

/**
 * The PUT body: thresholds highest first and each once, as the API wants them (a tags field keeps them in the order
 * typed); amounts that are not amounts go as typed, for the API to name. No secret when none was typed: the current
 * one is kept.
 */
export function alertSettingsBody(values: AlertValues): { thresholdsUsd: string[]; webhookUrl: string; secret?: string } {
  const byAmount = new Map<bigint, string>();
  const notAmounts: string[] = [];
  for (const text of values.thresholds.map((item) => item.trim()).filter(Boolean)) {
    const micros = amountOf(text);
    if (micros === null) notAmounts.push(text);
    else if (!byAmount.has(micros)) byAmount.set(micros, text);
  }
  const thresholdsUsd = [...byAmount.entries()]
    .sort(([a], [b]) => (a > b ? -1 : a < b ? 1 : 0))
    .map(([, text]) => text)
    .concat(notAmounts);
  const secret = values.secret.trim();
  return { thresholdsUsd, webhookUrl: values.webhookUrl.trim(), ...(secret ? { secret } : {}) };
}

function amountOf(text: string): bigint | null {
  try {
    return usdToMicros(text);
  } catch {
    return null;
  }
}

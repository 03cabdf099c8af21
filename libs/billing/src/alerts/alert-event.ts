import { createHmac } from 'node:crypto';
import { formatMicrosAsUsd } from '@gw/common';

export const ALERT_EVENT_TYPE = 'balance.below_threshold';
/** `sha256=<hex HMAC-SHA256 of the raw body with the secret>`. */
export const SIGNATURE_HEADER = 'x-chuizi-signature';
/** The delivery's id: the same on every attempt, so that a receiver can drop a repeat. */
export const DELIVERY_HEADER = 'x-chuizi-delivery';

export interface BalanceAlertEvent {
  accountId: string;
  thresholdMicros: bigint;
  balanceMicros: bigint;
  at: Date;
}

/** The exact body of the event (spec/policy.md): written once, sent as is on every attempt (the signature covers it). */
export function alertEventBody(event: BalanceAlertEvent): string {
  return JSON.stringify({
    type: ALERT_EVENT_TYPE,
    accountId: event.accountId,
    thresholdUsd: formatMicrosAsUsd(event.thresholdMicros),
    balanceUsd: formatMicrosAsUsd(event.balanceMicros),
    at: event.at.toISOString(),
  });
}

export function alertSignature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

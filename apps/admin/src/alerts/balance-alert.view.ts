import { ApiProperty } from '@nestjs/swagger';
import { formatMicrosAsUsd } from '@gw/common';
import type { AlertDeliveryRecord, AlertDeliveryStatus, BalanceAlertSettings, ThresholdState } from '@gw/db';

/** An account's alert settings, never the secret. */
export class BalanceAlertSettingsView {
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ type: [String], example: ['10.000000', '1.000000'] }) thresholdsUsd!: string[];
  @ApiProperty({ type: String, nullable: true, example: 'https://hooks.example.com/chuizi' }) webhookUrl!: string | null;
  @ApiProperty({ description: 'Whether a signing secret is set (it is never shown)' }) hasSecret!: boolean;
  @ApiProperty({
    type: [String],
    example: ['10.000000'],
    description: 'Thresholds that fired and wait for a top-up to lift the balance over them again',
  })
  firedThresholdsUsd!: string[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updatedAt!: string | null;
}

export function toBalanceAlertSettingsView(
  accountId: string,
  settings: BalanceAlertSettings | null,
  states: ThresholdState[],
): BalanceAlertSettingsView {
  return {
    accountId,
    thresholdsUsd: (settings?.thresholdsMicros ?? []).map(formatMicrosAsUsd),
    webhookUrl: settings?.webhookUrl ?? null,
    hasSecret: settings !== null,
    firedThresholdsUsd: states.filter((state) => !state.armed).map((state) => formatMicrosAsUsd(state.thresholdMicros)),
    updatedAt: settings?.updatedAt.toISOString() ?? null,
  };
}

export class AlertDeliveryView {
  @ApiProperty({ format: 'uuid', description: 'Also sent as the X-Chuizi-Delivery header, the same on every attempt' })
  id!: string;
  @ApiProperty({ example: '10.000000' }) thresholdUsd!: string;
  @ApiProperty({ example: '9.950000', description: 'The spendable balance that crossed it' }) balanceUsd!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status!: AlertDeliveryStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: Number, nullable: true }) lastStatusCode!: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'the webhook answered 503' }) lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt!: string | null;
}

export function toAlertDeliveryView(record: AlertDeliveryRecord): AlertDeliveryView {
  return {
    id: record.id,
    thresholdUsd: formatMicrosAsUsd(record.thresholdMicros),
    balanceUsd: formatMicrosAsUsd(record.balanceMicros),
    status: record.status,
    attempts: record.attempts,
    lastStatusCode: record.lastStatusCode,
    lastError: record.lastError,
    createdAt: record.createdAt.toISOString(),
    deliveredAt: record.deliveredAt?.toISOString() ?? null,
  };
}

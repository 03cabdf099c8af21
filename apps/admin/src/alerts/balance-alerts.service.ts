import { Inject, Injectable } from '@nestjs/common';
import { GatewayError, webhookUrlProblem } from '@gw/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import {
  AccountsRepository,
  AlertDeliveriesRepository,
  BalanceAlertsRepository,
  balanceAlertSecretBinding,
  ChannelCredentials,
  TransactionRunner,
} from '@gw/db';
import { accountNotFound } from '../accounts/accounts.service';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../shared/actor';
import { timeCursor } from '../shared/cursor';
import type { ListResponse } from '../shared/list-response';
import { PageQueryDto, pageSize } from '../shared/page-query.dto';
import { usdStringToMicros } from '../shared/usd-amount.validator';
import { isUuid } from '../shared/uuid';
import {
  AlertDeliveryView,
  BalanceAlertSettingsView,
  toAlertDeliveryView,
  toBalanceAlertSettingsView,
} from './balance-alert.view';
import { BalanceAlertSettingsDto, THRESHOLD_BOUNDS } from './balance-alerts.dto';

/**
 * Balance-alert settings (finance): thresholds, a webhook and its signing secret, sealed at rest like provider
 * credentials and never shown. The worker does the rest (BalanceAlertService).
 */
@Injectable()
export class BalanceAlertsService {
  private readonly allowPrivate: boolean;

  constructor(
    private readonly accounts: AccountsRepository,
    private readonly alerts: BalanceAlertsRepository,
    private readonly deliveryRecords: AlertDeliveriesRepository,
    private readonly credentials: ChannelCredentials,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.allowPrivate = config.alerts.allowPrivateWebhooks;
  }

  async put(actor: Actor, accountId: string, dto: BalanceAlertSettingsDto): Promise<BalanceAlertSettingsView> {
    if (!isUuid(accountId)) throw accountNotFound(accountId);
    const problem = webhookUrlProblem(dto.webhookUrl, this.allowPrivate);
    if (problem) throw GatewayError.invalidRequest(`Invalid value for 'webhookUrl': ${problem}`);
    const thresholdsMicros = dto.thresholdsUsd.map((usd) => usdStringToMicros(usd, THRESHOLD_BOUNDS)!);
    return this.transactions.run(async (tx) => {
      // The account's row lock orders concurrent changes of its settings (there may be no settings row to lock yet).
      if (!(await this.accounts.lockById(accountId, tx))) throw accountNotFound(accountId);
      const current = await this.alerts.findSettings(accountId, tx);
      if (!current && dto.secret === undefined) {
        throw GatewayError.invalidRequest("Missing required field 'secret': the first settings of an account need one");
      }
      const before = current && toBalanceAlertSettingsView(accountId, current, await this.alerts.findThresholdStates(accountId, tx));
      const sealedSecret =
        dto.secret === undefined ? current!.sealedSecret : this.credentials.seal(dto.secret, balanceAlertSecretBinding(accountId));
      const saved = await this.alerts.saveSettings({ accountId, thresholdsMicros, webhookUrl: dto.webhookUrl, sealedSecret }, tx);
      const after = toBalanceAlertSettingsView(accountId, saved, await this.alerts.findThresholdStates(accountId, tx));
      await this.audit.record(
        actor,
        {
          action: 'account.alerts',
          target: `account:${accountId}`,
          before,
          after: { ...after, secretChanged: dto.secret !== undefined },
        },
        tx,
      );
      return after;
    });
  }

  async get(accountId: string): Promise<BalanceAlertSettingsView> {
    await this.requireAccount(accountId);
    const [settings, states] = await Promise.all([
      this.alerts.findSettings(accountId),
      this.alerts.findThresholdStates(accountId),
    ]);
    return toBalanceAlertSettingsView(accountId, settings, states);
  }

  async deliveries(accountId: string, query: PageQueryDto): Promise<ListResponse<AlertDeliveryView>> {
    await this.requireAccount(accountId);
    const page = await this.deliveryRecords.findPage({ accountId }, pageSize(query), timeCursor.decode(query.cursor));
    return { data: page.items.map(toAlertDeliveryView), nextCursor: timeCursor.encode(page.next) };
  }

  private async requireAccount(accountId: string): Promise<void> {
    if (!isUuid(accountId) || !(await this.accounts.exists(accountId))) throw accountNotFound(accountId);
  }
}

import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import {
  AlertDeliveriesRepository,
  AttemptOutcome,
  BalanceAlertsRepository,
  balanceAlertSecretBinding,
  ChannelCredentials,
  ClaimedDelivery,
} from '@gw/db';
import { alertCrossings } from './alert-crossings';
import { ALERT_EVENT_TYPE, alertEventBody, alertSignature, DELIVERY_HEADER, SIGNATURE_HEADER } from './alert-event';
import { nextAttemptAt } from './delivery-schedule';
import { SpendableBalanceReader } from './spendable-balance.reader';
import { WEBHOOK_TIMEOUT_MS, WebhookError, WebhookSender } from './webhook-sender';

/** Accounts checked per batch: one balance read and one page of states each. */
const CHECK_BATCH = 500;
/** Deliveries attempted at once per run. */
const DELIVERY_BATCH = 16;
/** A claimed delivery is this worker's for this long: longer than an attempt can take. */
const DELIVERY_LEASE_MS = 6 * WEBHOOK_TIMEOUT_MS;
/** A run stops claiming new deliveries after this long, so that the next run (and the next check) is not held up. */
const DELIVERY_BUDGET_MS = 20_000;

export interface BalanceAlertRun {
  accountsChecked: number;
  fired: number;
  rearmed: number;
  delivered: number;
  retrying: number;
  failed: number;
}

/**
 * Balance alerts (spec/policy.md): each run compares the spendable balance of every account that has thresholds with
 * them, records one event per crossing (once, however many workers run it), re-arms thresholds a credit lifted the
 * balance over, and then delivers the events that are due, signed, retrying with backoff for up to an hour.
 */
@Injectable()
export class BalanceAlertService implements OnModuleDestroy {
  private readonly logger = new Logger(BalanceAlertService.name);
  private readonly sender: WebhookSender;

  constructor(
    private readonly alerts: BalanceAlertsRepository,
    private readonly deliveries: AlertDeliveriesRepository,
    private readonly balances: SpendableBalanceReader,
    private readonly credentials: ChannelCredentials,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.sender = new WebhookSender(config.alerts.allowPrivateWebhooks);
  }

  async run(): Promise<BalanceAlertRun> {
    const checked = await this.check();
    return { ...checked, ...(await this.deliverDue()) };
  }

  async onModuleDestroy(): Promise<void> {
    await this.sender.close();
  }

  private async check(): Promise<Pick<BalanceAlertRun, 'accountsChecked' | 'fired' | 'rearmed'>> {
    const result = { accountsChecked: 0, fired: 0, rearmed: 0 };
    for (let after: string | null = null; ; ) {
      const page = await this.alerts.findAlertingPage(after, CHECK_BATCH);
      if (page.length === 0) return result;
      // Before the read: a credit committed after the balances were read must still re-arm what they fire.
      const ledgerPosition = await this.alerts.ledgerPosition();
      const balances = await this.balances.read(page.map((account) => account.accountId));
      for (const account of page) {
        const balance = balances.get(account.accountId);
        if (balance === undefined) continue;
        const { spendableMicros: balanceMicros, creditSeq } = balance;
        result.accountsChecked++;
        const crossings = alertCrossings(account.thresholds, balanceMicros);
        if (crossings.rearmIfCredited.length > 0) {
          result.rearmed += (await this.alerts.rearmAfterCredit(account.accountId, crossings.rearmIfCredited)).length;
        }
        for (const thresholdMicros of crossings.fire) {
          const crossing = { accountId: account.accountId, thresholdMicros, balanceMicros };
          const payload = alertEventBody({ ...crossing, at: new Date() });
          const seen = { ledgerPosition, creditSeq };
          if (await this.alerts.fire(crossing, { id: randomUUID(), payload }, seen)) result.fired++;
        }
      }
      after = page[page.length - 1].accountId;
    }
  }

  private async deliverDue(): Promise<Pick<BalanceAlertRun, 'delivered' | 'retrying' | 'failed'>> {
    const result = { delivered: 0, retrying: 0, failed: 0 };
    const until = Date.now() + DELIVERY_BUDGET_MS;
    while (Date.now() < until) {
      const claimed = await this.deliveries.claimDue(DELIVERY_BATCH, DELIVERY_LEASE_MS);
      if (claimed.length === 0) break;
      const outcomes = await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      for (const outcome of outcomes) {
        if (outcome.kind === 'delivered') result.delivered++;
        else if (outcome.kind === 'retry') result.retrying++;
        else result.failed++;
      }
    }
    return result;
  }

  /** One attempt at one delivery, recorded whatever happens. */
  private async attempt(delivery: ClaimedDelivery): Promise<AttemptOutcome> {
    let outcome: AttemptOutcome;
    try {
      const statusCode = await this.send(delivery);
      outcome =
        statusCode >= 200 && statusCode < 300
          ? { kind: 'delivered', statusCode }
          : this.unsuccessful(delivery, statusCode, `the webhook answered ${statusCode}`);
    } catch (error) {
      if (!(error instanceof WebhookError)) this.logger.error(`balance alert ${delivery.id}: ${(error as Error).stack}`);
      outcome = this.unsuccessful(delivery, null, (error as Error).message);
    }
    await this.deliveries.recordAttempt(delivery.id, outcome);
    if (outcome.kind === 'failed') this.logger.warn(`balance alert ${delivery.id} failed for good: ${outcome.error}`);
    return outcome;
  }

  private async send(delivery: ClaimedDelivery): Promise<number> {
    const settings = await this.alerts.findSettings(delivery.accountId);
    if (!settings) throw new WebhookError('the account has no alert settings');
    let secret: string;
    try {
      secret = this.credentials.open(settings.sealedSecret, balanceAlertSecretBinding(delivery.accountId));
    } catch (error) {
      throw new WebhookError(`the signing secret cannot be opened: ${(error as Error).message}`);
    }
    return this.sender.post(settings.webhookUrl, delivery.payload, {
      [SIGNATURE_HEADER]: alertSignature(delivery.payload, secret),
      [DELIVERY_HEADER]: delivery.id,
      'x-chuizi-event': ALERT_EVENT_TYPE,
    });
  }

  private unsuccessful(delivery: ClaimedDelivery, statusCode: number | null, error: string): AttemptOutcome {
    const retryAt = nextAttemptAt(delivery.attempt, delivery.createdAt, new Date());
    return retryAt ? { kind: 'retry', statusCode, error, retryAt } : { kind: 'failed', statusCode, error };
  }
}

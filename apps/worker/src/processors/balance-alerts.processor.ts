import { Injectable } from '@nestjs/common';
import { BalanceAlertRun, BalanceAlertService } from '@gw/billing';
import { JobName } from '@gw/jobs';
import { JobProcessor, ProcessesJob } from '../jobs/job-processor.decorator';

/**
 * Compares spendable balances with alert thresholds and delivers the signed events that are due (scheduled every
 * ALERT_CHECK_EVERY_S by JobSchedules; runs of several workers never fire or deliver an event twice).
 */
@ProcessesJob(JobName.BALANCE_ALERTS)
@Injectable()
export class BalanceAlertsProcessor implements JobProcessor {
  constructor(private readonly alerts: BalanceAlertService) {}

  process(): Promise<BalanceAlertRun> {
    return this.alerts.run();
  }
}

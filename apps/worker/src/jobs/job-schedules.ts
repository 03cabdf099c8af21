import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { JobCron, JobName, JobQueue } from '@gw/jobs';

/** Hourly, five minutes past the hour (UTC): late settlements of the hour before have had time to land. */
export const RECONCILE_CRON = '5 * * * *';

export interface JobSchedule {
  name:
    | JobName.SWEEP_STALE_RESERVATIONS
    | JobName.RECONCILE
    | JobName.ROLLUP_USAGE
    | JobName.WALLET_SWEEP_HOLDS
    | JobName.WALLET_RELAY_CREDITS
    | JobName.BALANCE_ALERTS;
  /** Milliseconds between runs, or a cron pattern (UTC). */
  every: number | JobCron;
}

/** What runs when (docs/worker.md, "Schedule"). */
export function jobSchedules(config: AppConfig): JobSchedule[] {
  return [
    { name: JobName.SWEEP_STALE_RESERVATIONS, every: config.billing.sweepEverySeconds * 1000 },
    { name: JobName.RECONCILE, every: { cron: RECONCILE_CRON } },
    { name: JobName.ROLLUP_USAGE, every: config.worker.usageRollupEverySeconds * 1000 },
    { name: JobName.WALLET_SWEEP_HOLDS, every: config.wallet.sweepEverySeconds * 1000 },
    { name: JobName.WALLET_RELAY_CREDITS, every: config.wallet.sweepEverySeconds * 1000 },
    { name: JobName.BALANCE_ALERTS, every: config.alerts.checkEveryMs },
  ];
}

/** The repeatable jobs of this worker version, upserted at boot (idempotent: every worker may do it). */
@Injectable()
export class JobSchedules implements OnApplicationBootstrap {
  constructor(
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const schedule of jobSchedules(this.config)) {
      switch (schedule.name) {
        case JobName.RECONCILE:
          await this.jobs.schedule(schedule.name, schedule.every, { scheduled: true });
          break;
        default:
          await this.jobs.schedule(schedule.name, schedule.every, {});
      }
    }
  }
}

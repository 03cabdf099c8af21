import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { JobName, JobQueue } from '@gw/jobs';

/** The repeatable jobs of this worker version, upserted at boot (idempotent: every worker may do it). */
@Injectable()
export class JobSchedules implements OnApplicationBootstrap {
  constructor(
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.schedule(JobName.SWEEP_STALE_RESERVATIONS, this.config.billing.sweepEverySeconds * 1000, {});
  }
}

import { Injectable } from '@nestjs/common';
import { JobName } from '@gw/jobs';
import { RelayReport, WalletCredits } from '@gw/wallet';
import { JobProcessor, ProcessesJob } from '../jobs/job-processor.decorator';

/** Applies the credits the wallet has not confirmed (scheduled every WALLET_SWEEP_EVERY_S by JobSchedules). */
@ProcessesJob(JobName.WALLET_RELAY_CREDITS)
@Injectable()
export class WalletRelayCreditsProcessor implements JobProcessor {
  constructor(private readonly credits: WalletCredits) {}

  process(): Promise<RelayReport> {
    return this.credits.relay();
  }
}

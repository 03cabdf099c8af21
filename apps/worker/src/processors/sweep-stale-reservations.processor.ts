import { Injectable } from '@nestjs/common';
import { StaleReservationSweeper } from '@gw/billing';
import { JobName } from '@gw/jobs';
import { JobProcessor, ProcessesJob } from '../jobs/job-processor.decorator';

/**
 * Closes reservations whose proxy stopped beating, charging what they had delivered (scheduled every
 * RESERVATION_SWEEP_EVERY_S by JobSchedules).
 */
@ProcessesJob(JobName.SWEEP_STALE_RESERVATIONS)
@Injectable()
export class SweepStaleReservationsProcessor implements JobProcessor {
  constructor(private readonly sweeper: StaleReservationSweeper) {}

  async process(): Promise<{
    released: number;
    alreadyClosed: number;
    stillAlive: number;
    releasedMicros: string;
    chargedMicros: string;
  }> {
    const report = await this.sweeper.sweep();
    return {
      released: report.released,
      alreadyClosed: report.alreadyClosed,
      stillAlive: report.stillAlive,
      releasedMicros: report.releasedMicros.toString(),
      chargedMicros: report.chargedMicros.toString(),
    };
  }
}

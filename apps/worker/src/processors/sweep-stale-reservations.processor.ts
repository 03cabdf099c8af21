import { Injectable } from '@nestjs/common';
import { StaleReservationSweeper } from '@gw/billing';
import { JobName } from '@gw/jobs';
import { JobProcessor, ProcessesJob } from '../jobs/job-processor.decorator';

/** Releases reservations whose proxy died (scheduled every RESERVATION_SWEEP_EVERY_S by JobSchedules). */
@ProcessesJob(JobName.SWEEP_STALE_RESERVATIONS)
@Injectable()
export class SweepStaleReservationsProcessor implements JobProcessor {
  constructor(private readonly sweeper: StaleReservationSweeper) {}

  async process(): Promise<{ released: number; alreadyClosed: number; releasedMicros: string }> {
    const report = await this.sweeper.sweep();
    return { released: report.released, alreadyClosed: report.alreadyClosed, releasedMicros: report.releasedMicros.toString() };
  }
}

import { DiscoveryService } from '@nestjs/core';
import type { Job } from 'bullmq';
import type { JobName } from '@gw/jobs';

/** A class that runs one kind of job. Processors stay thin: parse the payload, call a service, return a summary. */
export interface JobProcessor {
  process(job: Job): Promise<unknown>;
  /**
   * Called once a job has failed for good (its last attempt failed, it was unrecoverable, or it stalled too often),
   * for processors that record the outcome elsewhere (a reconciliation run's status).
   */
  failed?(job: Job, error: Error): Promise<void>;
}

/** Marks a provider as the processor of a job name; the worker discovers processors by this decorator at boot. */
export const ProcessesJob = DiscoveryService.createDecorator<JobName>();

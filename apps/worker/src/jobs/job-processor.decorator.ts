import { DiscoveryService } from '@nestjs/core';
import type { Job } from 'bullmq';
import type { JobName } from '@gw/jobs';

/** A class that runs one kind of job. Processors stay thin: parse the payload, call a service, return a summary. */
export interface JobProcessor {
  process(job: Job): Promise<unknown>;
}

/** Marks a provider as the processor of a job name; the worker discovers processors by this decorator at boot. */
export const ProcessesJob = DiscoveryService.createDecorator<JobName>();

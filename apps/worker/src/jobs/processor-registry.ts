import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { JobName } from '@gw/jobs';
import { HANDLED_JOBS } from './handled-jobs';
import { JobProcessor, ProcessesJob } from './job-processor.decorator';

export interface DiscoveredProcessor {
  name: JobName;
  owner: string;
}

/**
 * Problems with a set of processors against the jobs this version handles: a handled job without a processor, a job
 * with several, a processor for a job this version does not declare. Empty when the worker may start.
 */
export function processorProblems(handled: readonly JobName[], processors: DiscoveredProcessor[]): string[] {
  const problems: string[] = [];
  for (const name of handled) {
    const owners = processors.filter((p) => p.name === name).map((p) => p.owner);
    if (owners.length === 0) problems.push(`job '${name}' has no processor`);
    if (owners.length > 1) problems.push(`job '${name}' has ${owners.length} processors: ${owners.join(', ')}`);
  }
  for (const processor of processors) {
    if (!handled.includes(processor.name)) {
      problems.push(`${processor.owner} processes '${processor.name}', which is not in HANDLED_JOBS`);
    }
  }
  return problems;
}

/** The processors of this worker by job name, checked at boot (before the worker takes any job). */
@Injectable()
export class ProcessorRegistry implements OnModuleInit {
  private readonly byName = new Map<string, JobProcessor>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const found = this.discovery.getProviders({ metadataKey: ProcessesJob.KEY }).map((wrapper) => ({
      name: this.discovery.getMetadataByDecorator(ProcessesJob, wrapper)!,
      owner: wrapper.name,
      instance: wrapper.instance as JobProcessor,
    }));
    const problems = processorProblems(HANDLED_JOBS, found);
    if (problems.length > 0) throw new Error(`Worker processors do not match its jobs:\n  - ${problems.join('\n  - ')}`);
    for (const processor of found) this.byName.set(processor.name, processor.instance);
  }

  get(name: string): JobProcessor | undefined {
    return this.byName.get(name);
  }
}

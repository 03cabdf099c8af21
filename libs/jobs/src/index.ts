export * from './job-name.enum';
export * from './job-payloads';
export * from './job-options';
export * from './job-queue.service';
export * from './jobs.module';

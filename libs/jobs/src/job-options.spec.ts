import { JobName } from './job-name.enum';
import { jobOptions } from './job-options';

describe(jobOptions.name, () => {
  it('retries with exponential backoff and keeps failed jobs for a week', () => {
    const options = jobOptions(JobName.RECONCILE, { runId: 'r1' });
    expect(options).toMatchObject({
      attempts: 3,
      backoff: { type: 'exponential', delay: 1_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  });

  it('gives a staff run one job id (enqueueing it twice is one job), and the scheduled run none', () => {
    expect(jobOptions(JobName.RECONCILE, { runId: 'r1' }).jobId).toBe('reconcile-r1');
    expect(jobOptions(JobName.RECONCILE, { scheduled: true }).jobId).toBeUndefined();
  });

  it('recomputes rollups on every request (no job id) with retries', () => {
    expect(jobOptions(JobName.ROLLUP_USAGE, { day: '2026-11-25' })).toMatchObject({ attempts: 3 });
    expect(jobOptions(JobName.ROLLUP_USAGE, { day: '2026-11-25' }).jobId).toBeUndefined();
  });

  it('makes one delayed job of the requests for late records of one day and one time to run at', () => {
    const notBefore = Date.now() + 30_000;
    const options = jobOptions(JobName.ROLLUP_USAGE, { day: '2026-11-25', notBefore });
    expect(options).toMatchObject({ jobId: `rollup-usage-2026-11-25-${notBefore}`, attempts: 3 });
    expect(options.delay).toBeGreaterThan(25_000);
    expect(options.delay).toBeLessThanOrEqual(30_000);
    expect(jobOptions(JobName.ROLLUP_USAGE, { day: '2026-11-25', notBefore: Date.now() - 5_000 }).delay).toBe(0);
  });
});

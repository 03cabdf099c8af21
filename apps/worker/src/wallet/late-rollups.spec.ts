import { JobName, jobOptions } from '@gw/jobs';
import { lateRollupJobs } from './late-rollups';

describe(lateRollupJobs.name, () => {
  const at = (iso: string) => Date.parse(iso);

  it('asks for the days before yesterday only: yesterday and today are the scheduled rollup\'s', () => {
    const written = ['2026-12-02', '2026-12-05', '2026-12-06', '2026-12-07'];
    expect(lateRollupJobs(written, at('2026-12-07T00:30:00Z')).map((job) => job.day)).toEqual(['2026-12-02', '2026-12-05']);
    expect(lateRollupJobs(['2026-12-06', '2026-12-07'], at('2026-12-07T23:59:59.999Z'))).toEqual([]);
  });

  it('gives every request within one minute the same job per day, run after that minute (and a margin)', () => {
    const early = lateRollupJobs(['2026-12-01', '2026-12-02'], at('2026-12-07T10:15:00.000Z'));
    const late = lateRollupJobs(['2026-12-01'], at('2026-12-07T10:15:59.999Z'));
    const notBefore = at('2026-12-07T10:16:10.000Z');
    expect(early).toEqual([
      { day: '2026-12-01', notBefore },
      { day: '2026-12-02', notBefore },
    ]);
    expect(late).toEqual([{ day: '2026-12-01', notBefore }]);
    expect(jobOptions(JobName.ROLLUP_USAGE, early[0]).jobId).toBe(jobOptions(JobName.ROLLUP_USAGE, late[0]).jobId);
    // The next minute's requests are a job of their own: the first one may have run already.
    const next = lateRollupJobs(['2026-12-01'], at('2026-12-07T10:16:00.000Z'));
    expect(jobOptions(JobName.ROLLUP_USAGE, next[0]).jobId).not.toBe(jobOptions(JobName.ROLLUP_USAGE, early[0]).jobId);
  });
});

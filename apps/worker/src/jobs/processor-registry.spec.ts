import { JobName } from '@gw/jobs';
import { HANDLED_JOBS } from './handled-jobs';
import { processorProblems } from './processor-registry';

describe(processorProblems.name, () => {
  const handled = [JobName.SETTLE, JobName.SWEEP_STALE_RESERVATIONS];

  it('accepts exactly one processor per handled job', () => {
    expect(
      processorProblems(handled, [
        { name: JobName.SETTLE, owner: 'SettleProcessor' },
        { name: JobName.SWEEP_STALE_RESERVATIONS, owner: 'SweepStaleReservationsProcessor' },
      ]),
    ).toEqual([]);
  });

  it('reports a handled job without a processor, one with two, and a processor for an undeclared job', () => {
    expect(
      processorProblems(handled, [
        { name: JobName.SETTLE, owner: 'SettleProcessor' },
        { name: JobName.SETTLE, owner: 'OtherSettleProcessor' },
        { name: JobName.RECONCILE, owner: 'ReconcileProcessor' },
      ]),
    ).toEqual([
      "job 'settle' has 2 processors: SettleProcessor, OtherSettleProcessor",
      "job 'sweep-stale-reservations' has no processor",
      "ReconcileProcessor processes 'reconcile', which is not in HANDLED_JOBS",
    ]);
  });

  it('handles every job there is, once each', () => {
    expect(new Set(HANDLED_JOBS).size).toBe(HANDLED_JOBS.length);
    expect([...HANDLED_JOBS].sort()).toEqual(
      [
        JobName.SETTLE,
        JobName.SWEEP_STALE_RESERVATIONS,
        JobName.RECONCILE,
        JobName.ROLLUP_USAGE,
        JobName.WALLET_SWEEP_HOLDS,
        JobName.WALLET_RELAY_CREDITS,
        JobName.BALANCE_ALERTS,
      ].sort(),
    );
  });
});

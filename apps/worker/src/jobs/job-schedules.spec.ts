import { loadConfig } from '@gw/config';
import { JobName } from '@gw/jobs';
import { jobSchedules, RECONCILE_CRON } from './job-schedules';

describe(jobSchedules.name, () => {
  const env = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/x' };

  it('sweeps every ten seconds, reconciles hourly at five past (UTC), rolls usage up every ten minutes, sweeps and relays the wallet every ten seconds and checks balance alerts every five seconds by default', () => {
    expect(jobSchedules(loadConfig(env))).toEqual([
      { name: JobName.SWEEP_STALE_RESERVATIONS, every: 10_000 },
      { name: JobName.RECONCILE, every: { cron: '5 * * * *' } },
      { name: JobName.ROLLUP_USAGE, every: 600_000 },
      { name: JobName.WALLET_SWEEP_HOLDS, every: 10_000 },
      { name: JobName.WALLET_RELAY_CREDITS, every: 10_000 },
      { name: JobName.BALANCE_ALERTS, every: 5_000 },
    ]);
    expect(RECONCILE_CRON.split(' ')).toHaveLength(5);
  });

  it('takes the sweep and rollup intervals from the configuration', () => {
    const schedules = jobSchedules(
      loadConfig({ ...env, RESERVATION_SWEEP_EVERY_S: '5', USAGE_ROLLUP_EVERY_S: '30', WALLET_SWEEP_EVERY_S: '2', ALERT_CHECK_EVERY_S: '2' }),
    );
    expect(schedules.find((s) => s.name === JobName.BALANCE_ALERTS)?.every).toBe(2_000);
    expect(schedules.find((s) => s.name === JobName.SWEEP_STALE_RESERVATIONS)?.every).toBe(5_000);
    expect(schedules.find((s) => s.name === JobName.ROLLUP_USAGE)?.every).toBe(30_000);
    expect(schedules.find((s) => s.name === JobName.WALLET_SWEEP_HOLDS)?.every).toBe(2_000);
    expect(schedules.find((s) => s.name === JobName.WALLET_RELAY_CREDITS)?.every).toBe(2_000);
  });
});

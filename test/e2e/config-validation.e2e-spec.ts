import { AppName, AppProcess } from '../support/app-process';

const BAD = {
  REDIS_URL: 'http://127.0.0.1:6379',
  DEFAULT_RPM: 'lots',
  LOG_LEVEL: 'loud',
  SHUTDOWN_GRACE_MS: '-1',
  METRICS_TOKEN: 'short',
};

describe('bad configuration: every app refuses to start, listing each bad variable, and exits 1', () => {
  it.each<AppName>(['proxy', 'admin', 'worker'])('%s', async (app) => {
    const failure = await AppProcess.start(app, BAD, 20_000).then(
      async (started) => {
        await started.stop('SIGKILL');
        return null;
      },
      (error: Error) => error.message,
    );
    expect(failure).toMatch(new RegExp(`^${app} exited with 1 before listening`));
    expect(failure).toContain('Invalid configuration:');
    for (const name of Object.keys(BAD)) expect(failure).toContain(`- ${name}`);
    // A plain message, not a stack trace.
    expect(failure).not.toMatch(/\n\s+at /);
  });
});

import { AppName, AppProcess } from '../support/app-process';

const BAD = {
  REDIS_URL: 'http://127.0.0.1:6379',
  DEFAULT_RPM: 'lots',
  LOG_LEVEL: 'loud',
  SHUTDOWN_GRACE_MS: '-1',
  METRICS_TOKEN: 'short',
};

/** Why the app would not start (what it printed), or null when it did start. */
function startFailure(app: AppName, env: Record<string, string>): Promise<string | null> {
  return AppProcess.start(app, env, 20_000).then(
    async (started) => {
      await started.stop('SIGKILL');
      return null;
    },
    (error: Error) => error.message,
  );
}

describe('bad configuration: every app refuses to start, listing each bad variable, and exits 1', () => {
  it.each<AppName>(['proxy', 'admin', 'worker'])('%s', async (app) => {
    const failure = await startFailure(app, BAD);
    expect(failure).toMatch(new RegExp(`^${app} exited with 1 before listening`));
    expect(failure).toContain('Invalid configuration:');
    for (const name of Object.keys(BAD)) expect(failure).toContain(`- ${name}`);
    // A plain message, not a stack trace.
    expect(failure).not.toMatch(/\n\s+at /);
  });
});

describe('provider credentials: every app refuses to serve them in clear unless told it may', () => {
  it.each<AppName>(['proxy', 'admin', 'worker'])('%s refuses to start without CHANNEL_CREDENTIALS_KEY', async (app) => {
    const failure = await startFailure(app, { CHANNEL_CREDENTIALS_KEY: '' });
    expect(failure).toMatch(new RegExp(`^${app} exited with 1 before listening`));
    expect(failure).toContain('Invalid configuration:\n  - CHANNEL_CREDENTIALS_KEY is required');
    expect(failure).toContain('ALLOW_PLAINTEXT_CREDENTIALS=true');
    expect(failure).not.toMatch(/\n\s+at /);
  });

  it('starts without a key with ALLOW_PLAINTEXT_CREDENTIALS=true (development only)', async () => {
    const app = await AppProcess.start('proxy', { CHANNEL_CREDENTIALS_KEY: '', ALLOW_PLAINTEXT_CREDENTIALS: 'true' });
    try {
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    } finally {
      await app.stop();
    }
  });
});

import type { INestApplication } from '@nestjs/common';
import { createLogger } from '../logging/logger';
import { shutDown, ShutdownPlan } from './graceful-shutdown';
import { Lifecycle } from './lifecycle';

const silent = createLogger({ app: 'test', level: 'silent', instanceId: 'test' });

/** A fake app recording the order of the steps. */
function harness(overrides: Partial<ShutdownPlan> = {}) {
  const steps: string[] = [];
  const lifecycle = new Lifecycle();
  const server = {
    close: () => steps.push('listener closed'),
    closeAllConnections: () => steps.push('connections closed'),
  };
  const app = {
    getHttpServer: () => server,
    close: async () => {
      steps.push(`modules closed (ready: ${!lifecycle.draining})`);
    },
  } as unknown as INestApplication;
  let exitCode: number | undefined;
  const plan: ShutdownPlan = {
    app,
    lifecycle,
    logger: silent,
    graceMs: 200,
    delayMs: 0,
    afterWork: async () => {
      steps.push(`settlements drained (in flight: ${lifecycle.inFlight})`);
    },
    exit: (code) => {
      exitCode = code;
    },
    ...overrides,
  };
  return { plan, lifecycle, steps, exitCode: () => exitCode };
}

describe(shutDown.name, () => {
  it('stops accepting, waits for the requests in flight, drains settlements, then closes the modules and exits 0', async () => {
    const { plan, lifecycle, steps, exitCode } = harness();
    lifecycle.requestStarted();
    const done = shutDown(plan, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lifecycle.draining).toBe(true);
    expect(steps).toEqual(['listener closed']);
    steps.push('last request finished');
    lifecycle.requestEnded();
    await done;
    expect(steps).toEqual([
      'listener closed',
      'last request finished',
      'connections closed',
      'settlements drained (in flight: 0)',
      'modules closed (ready: false)',
    ]);
    expect(exitCode()).toBe(0);
    expect(lifecycle.stopSignal.aborted).toBe(false);
  });

  it('past the grace period, tells the work still running to end, then carries on', async () => {
    const { plan, lifecycle, steps, exitCode } = harness({ graceMs: 100 });
    lifecycle.requestStarted();
    lifecycle.stopSignal.addEventListener('abort', () => {
      steps.push('stragglers cut');
      lifecycle.requestEnded();
    });
    await shutDown(plan, 'SIGTERM');
    expect(steps).toEqual([
      'listener closed',
      'stragglers cut',
      'connections closed',
      'settlements drained (in flight: 0)',
      'modules closed (ready: false)',
    ]);
    expect(exitCode()).toBe(0);
  });

  it('keeps serving (not ready) for SHUTDOWN_DELAY_MS before it stops accepting', async () => {
    const { plan, lifecycle, steps } = harness({ delayMs: 150 });
    const done = shutDown(plan, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lifecycle.draining).toBe(true);
    expect(steps).toEqual([]);
    await done;
    expect(steps[0]).toBe('listener closed');
  });

  it('exits 1 when a step fails', async () => {
    const { plan, exitCode } = harness({
      afterWork: async () => {
        throw new Error('database gone');
      },
    });
    await shutDown(plan, 'SIGTERM');
    expect(exitCode()).toBe(1);
  });
});

import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AppLogger } from '../logging/logger';
import type { Lifecycle } from './lifecycle';

/** After the grace period, how long stragglers get to end themselves once told to (error event, settlement). */
const CUT_WAIT_MS = 5_000;
/** Beyond everything else, the longest the closing steps (settlements, pools) may take before the process gives up. */
const CLOSE_BUDGET_MS = 30_000;

export interface ShutdownPlan {
  app: INestApplication;
  lifecycle: Lifecycle;
  logger: AppLogger;
  /** How long in-flight work may take to finish (SHUTDOWN_GRACE_MS). */
  graceMs: number;
  /** Readiness is false this long before the listener closes, so load balancers stop sending (SHUTDOWN_DELAY_MS). */
  delayMs: number;
  /**
   * Stops taking work and resolves when the work in hand is done. Default: close the HTTP listener and wait for the
   * requests in flight (Lifecycle's count).
   */
  finishWork?: () => Promise<void>;
  /** Ends work still running at the grace limit (default: Lifecycle.stopInFlight). */
  cutWork?: () => void;
  /** Once the work is done and before the app's modules close (pools, PostgreSQL, Redis): e.g. drain settlements. */
  afterWork?: () => Promise<void>;
  /** Default process.exit; tests replace it. */
  exit?: (code: number) => void;
}

export class ShuttingDownError extends Error {
  constructor() {
    super('The gateway is shutting down');
    this.name = 'ShuttingDownError';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether `promise` settled within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The shutdown sequence, in this order (Nest's own hooks would close modules before the HTTP server):
 * 1. readiness false (Lifecycle.beginDrain), then SHUTDOWN_DELAY_MS for load balancers to notice;
 * 2. stop accepting: the listener closes (idle keep-alive connections too), answers carry `Connection: close`;
 * 3. in-flight requests and streams finish, up to SHUTDOWN_GRACE_MS; then the rest are cut (streams end with their
 *    protocol's error event and are settled on what was delivered) and given a few seconds to do so;
 * 4. afterWork (the proxy drains its settlements), then the app closes: queues, PostgreSQL and Redis last;
 * 5. exit 0 (1 if a step failed).
 */
export async function shutDown(plan: ShutdownPlan, signal: string): Promise<void> {
  const { app, lifecycle, logger } = plan;
  const exit = plan.exit ?? ((code: number) => process.exit(code));
  const startedAt = Date.now();
  const budget = setTimeout(() => {
    logger.fatal({ signal }, 'shutdown did not finish in time: exiting');
    exit(1);
  }, plan.delayMs + plan.graceMs + CUT_WAIT_MS + CLOSE_BUDGET_MS);
  budget.unref();
  try {
    lifecycle.beginDrain();
    logger.info({ signal, inFlight: lifecycle.inFlight, graceMs: plan.graceMs }, 'shutdown: draining (not ready)');
    if (plan.delayMs > 0) await sleep(plan.delayMs);

    const server = app.getHttpServer() as Server;
    const finishWork =
      plan.finishWork ??
      (() => {
        server.close();
        return lifecycle.whenIdle();
      });
    const work = finishWork();
    if (!(await within(work, plan.graceMs))) {
      logger.warn({ inFlight: lifecycle.inFlight }, 'shutdown: grace period over, ending the work still running');
      (plan.cutWork ?? (() => lifecycle.stopInFlight(new ShuttingDownError())))();
      if (!(await within(work, CUT_WAIT_MS))) logger.error({ inFlight: lifecycle.inFlight }, 'shutdown: work did not end');
    }
    server.closeAllConnections?.();
    if (plan.afterWork) await plan.afterWork();
    await app.close();
    logger.info({ signal, ms: Date.now() - startedAt }, 'shutdown: complete');
    clearTimeout(budget);
    exit(0);
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed');
    clearTimeout(budget);
    exit(1);
  }
}

/** Runs the shutdown sequence on the first SIGTERM or SIGINT (a second one is ignored: the sequence is running). */
export function installGracefulShutdown(plan: ShutdownPlan): void {
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    void shutDown(plan, signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

import type { DynamicModule } from '@nestjs/common';
import type { AppConfig } from '@gw/config';
import { Lifecycle } from './lifecycle/lifecycle';
import { AppLogger, createLogger } from './logging/logger';
import { NestPinoLogger } from './logging/nest-logger';
import { initProcessMetrics } from './metrics/metrics-registry';
import { ObservabilityModule } from './observability.module';

export interface AppObservability {
  logger: AppLogger;
  /** Nest's logger option: Nest's lines and every `new Logger(...)` through pino. */
  nestLogger: NestPinoLogger;
  lifecycle: Lifecycle;
}

/** Logger, lifecycle and process metrics of one app process (call once, before creating the Nest app). */
export function setUpObservability(app: string, config: AppConfig): AppObservability {
  initProcessMetrics(app);
  const logger = createLogger({ app, level: config.logLevel, instanceId: config.instanceId, format: config.log.format });
  return { logger, nestLogger: new NestPinoLogger(logger), lifecycle: new Lifecycle() };
}

/** The app's root module with the ObservabilityModule (Lifecycle, logger, readiness probe) added to its imports. */
export function withObservability(root: DynamicModule, observability: AppObservability): DynamicModule {
  return {
    ...root,
    imports: [...(root.imports ?? []), ObservabilityModule.forRoot(observability)],
  };
}

/** A crash is logged as one fatal JSON line (with the stack) before the process exits. */
export function logFatalErrors(logger: AppLogger): void {
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });
}

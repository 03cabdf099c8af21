import { DynamicModule, Global, Module } from '@nestjs/common';
import { ReadinessProbe } from './health/readiness.probe';
import { Lifecycle } from './lifecycle/lifecycle';
import type { AppLogger } from './logging/logger';

/** Injection token for the process's pino logger. */
export const APP_LOGGER = Symbol('APP_LOGGER');

/** The process's Lifecycle, logger and readiness probe, for every module (health controllers, shutdown). */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: { lifecycle: Lifecycle; logger: AppLogger }): DynamicModule {
    return {
      module: ObservabilityModule,
      providers: [
        { provide: Lifecycle, useValue: options.lifecycle },
        { provide: APP_LOGGER, useValue: options.logger },
        ReadinessProbe,
      ],
      exports: [Lifecycle, APP_LOGGER, ReadinessProbe],
    };
  }
}

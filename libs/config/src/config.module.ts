import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig, assertCredentialsProtected } from './app-config';

/** Injection token for the validated AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * Provides the AppConfig that main.ts loaded (and validated) before Nest started, once it is fit to serve: an app
 * refuses to build without protected provider credentials (assertCredentialsProtected).
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    assertCredentialsProtected(config);
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}

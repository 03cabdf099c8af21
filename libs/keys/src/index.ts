export * from './api-key-cache.service';
export * from './keys.module';
export * from './effective-limits';

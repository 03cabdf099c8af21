export * from './api-key-cache.service';
export * from './keys.module';

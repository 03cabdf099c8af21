export * from './app-config';
export * from './config.module';
export * from './env.schema';
export * from './trust-proxy';
export * from './credentials-key';
export * from './redis-cluster-nodes';

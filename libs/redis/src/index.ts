export * from './redis.service';
export * from './redis.module';
export * from './cache-invalidation.bus';
export * from './rate-tiers';
export * from './token-window';
export * from './auth-failure.limiter';
export * from './coalesced-writes';

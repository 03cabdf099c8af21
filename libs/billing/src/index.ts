export * from './pricing';
export * from './token-counters';
export * from './estimate/input-tokens';
export * from './billing.service';
export * from './billing.module';
export * from './stale-reservation.sweeper';

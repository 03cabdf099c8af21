export * from './money';
export * from './crypto';
export * from './ids';
export * from './errors/gateway-error';
export * from './errors/error-body';
export * from './keyed-batcher';
export * from './utc-day';
export * from './errors/to-gateway-error';

export * from './model-catalog.service';
export * from './catalog.module';
export * from './model-prices';

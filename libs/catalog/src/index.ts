export * from './model-catalog.service';
export * from './catalog.module';

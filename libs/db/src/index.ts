export * from './prisma.service';
export * from './db.module';
export * from './repositories/usage-record.row';
export * from './repositories/billing-ledger.repository';
export * from './repositories/api-keys.repository';
export * from './repositories/models.repository';
export * from './repositories/ledger.repository';

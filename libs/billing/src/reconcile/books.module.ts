import { Module } from '@nestjs/common';
import { ReconciliationChecksRepository, ReconciliationsRepository, UsageRollupsRepository } from '@gw/db';
import { UsageRollupService } from '../rollup/usage-rollup.service';
import { ReconciliationService } from './reconciliation.service';

/** The worker's bookkeeping: reconciliation runs and daily usage rollups (not needed by proxies). */
@Module({
  providers: [
    ReconciliationsRepository,
    ReconciliationChecksRepository,
    ReconciliationService,
    UsageRollupsRepository,
    UsageRollupService,
  ],
  exports: [ReconciliationService, UsageRollupService],
})
export class BooksModule {}

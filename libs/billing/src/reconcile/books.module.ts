import { Module } from '@nestjs/common';
import { ReconciliationChecksRepository, ReconciliationsRepository, UsageRollupsRepository } from '@gw/db';
import { WalletModule } from '@gw/wallet';
import { UsageRollupService } from '../rollup/usage-rollup.service';
import { ReconciliationService } from './reconciliation.service';
import { WalletBooksCheck } from './wallet-books.check';

/** The worker's bookkeeping: reconciliation runs (PostgreSQL and the Redis wallet) and daily usage rollups. */
@Module({
  imports: [WalletModule],
  providers: [
    WalletBooksCheck,
    ReconciliationsRepository,
    ReconciliationChecksRepository,
    ReconciliationService,
    UsageRollupsRepository,
    UsageRollupService,
  ],
  exports: [ReconciliationService, UsageRollupService],
})
export class BooksModule {}

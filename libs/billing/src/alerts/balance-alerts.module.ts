import { Module } from '@nestjs/common';
import { AccountsRepository, AlertDeliveriesRepository, BalanceAlertsRepository } from '@gw/db';
import { BalanceAlertService } from './balance-alert.service';
import { PostgresSpendableBalanceReader, SpendableBalanceReader } from './spendable-balance.reader';

/** The worker's balance alerts: crossing checks and signed webhook deliveries. */
@Module({
  providers: [
    AccountsRepository,
    BalanceAlertsRepository,
    AlertDeliveriesRepository,
    // PostgreSQL's balances today; a wallet that keeps them elsewhere binds its own reader here.
    { provide: SpendableBalanceReader, useClass: PostgresSpendableBalanceReader },
    BalanceAlertService,
  ],
  exports: [BalanceAlertService],
})
export class BalanceAlertsModule {}

import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '@gw/config';
import { AccountsRepository, AlertDeliveriesRepository, BalanceAlertsRepository } from '@gw/db';
import { WalletModule } from '@gw/wallet';
import { BalanceAlertService } from './balance-alert.service';
import {
  PostgresSpendableBalanceReader,
  SpendableBalanceReader,
  WalletSpendableBalanceReader,
} from './spendable-balance.reader';

/** The worker's balance alerts: crossing checks and signed webhook deliveries. */
@Module({})
export class BalanceAlertsModule {
  /** Balances are read from BILLING_STORE's store: PostgreSQL, or the Redis wallet (its holds live only there). */
  static forRoot(store: AppConfig['billing']['store']): DynamicModule {
    const wallet = store === 'wallet';
    return {
      module: BalanceAlertsModule,
      imports: wallet ? [WalletModule] : [],
      providers: [
        AccountsRepository,
        BalanceAlertsRepository,
        AlertDeliveriesRepository,
        { provide: SpendableBalanceReader, useClass: wallet ? WalletSpendableBalanceReader : PostgresSpendableBalanceReader },
        BalanceAlertService,
      ],
      exports: [BalanceAlertService],
    };
  }
}

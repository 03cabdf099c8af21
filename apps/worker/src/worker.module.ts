import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@gw/config';
import { BalanceAlertsModule, BillingModule, BooksModule } from '@gw/billing';
import { DbModule } from '@gw/db';
import { JobsModule } from '@gw/jobs';
import { RedisModule } from '@gw/redis';
import { WalletModule } from '@gw/wallet';
import { HealthController } from './health/health.controller';
import { GatewayWorker } from './jobs/gateway-worker';
import { JobSchedules } from './jobs/job-schedules';
import { ProcessorRegistry } from './jobs/processor-registry';
import { BalanceAlertsProcessor } from './processors/balance-alerts.processor';
import { ReconcileProcessor } from './processors/reconcile.processor';
import { RollupUsageProcessor } from './processors/rollup-usage.processor';
import { SettleProcessor } from './processors/settle.processor';
import { SweepStaleReservationsProcessor } from './processors/sweep-stale-reservations.processor';
import { WalletRelayCreditsProcessor } from './processors/wallet-relay-credits.processor';
import { WalletSweepHoldsProcessor } from './processors/wallet-sweep-holds.processor';
import { LedgerWriterRunner } from './wallet/ledger-writer.runner';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        DiscoveryModule,
        DbModule,
        RedisModule,
        JobsModule,
        BillingModule,
        BooksModule,
        WalletModule,
        BalanceAlertsModule.forRoot(config.billing.store),
      ],
      controllers: [HealthController],
      providers: [
        ProcessorRegistry,
        GatewayWorker,
        JobSchedules,
        SettleProcessor,
        SweepStaleReservationsProcessor,
        ReconcileProcessor,
        RollupUsageProcessor,
        WalletSweepHoldsProcessor,
        WalletRelayCreditsProcessor,
        LedgerWriterRunner,
        BalanceAlertsProcessor,
      ],
    };
  }
}

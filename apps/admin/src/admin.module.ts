import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@gw/config';
import {
  AccountsRepository,
  AlertDeliveriesRepository,
  ApiKeysRepository,
  AuditRepository,
  BalanceAlertsRepository,
  ChannelsRepository,
  DbModule,
  IdempotencyRepository,
  LedgerRepository,
  ModelsRepository,
  ReconciliationsRepository,
  StaffRepository,
  TransactionRunner,
  UsageRepository,
  UsageRollupsRepository,
} from '@gw/db';
import { JobsModule } from '@gw/jobs';
import { RedisModule } from '@gw/redis';
import { WalletModule } from '@gw/wallet';
import { AccountLimitsController } from './accounts/account-limits.controller';
import { AccountLimitsService } from './accounts/account-limits.service';
import { AccountsController } from './accounts/accounts.controller';
import { BalanceAlertsController } from './alerts/balance-alerts.controller';
import { BalanceAlertsService } from './alerts/balance-alerts.service';
import { AccountsService } from './accounts/accounts.service';
import { AuditController } from './audit/audit.controller';
import { AuditService } from './audit/audit.service';
import { AdjustmentsController } from './billing/adjustments.controller';
import { AdjustmentsService } from './billing/adjustments.service';
import { ChannelsController, ModelChannelsController } from './channels/channels.controller';
import { ChannelsService } from './channels/channels.service';
import { LedgerController } from './billing/ledger.controller';
import { LedgerService } from './billing/ledger.service';
import { TopUpsController } from './billing/top-ups.controller';
import { TopUpsService } from './billing/top-ups.service';
import { WalletBalances } from './billing/wallet-balances.service';
import { HealthController } from './health/health.controller';
import { ApiKeysController } from './keys/api-keys.controller';
import { ApiKeysService } from './keys/api-keys.service';
import { AdminExceptionFilter } from './middleware/admin-exception.filter';
import { RolesGuard } from './middleware/roles.guard';
import { StaffAuthGuard } from './middleware/staff-auth.guard';
import { AdminValidationPipe } from './middleware/validation.pipe';
import { ModelsController } from './models/models.controller';
import { ModelsService } from './models/models.service';
import { QueueDashboardSessions } from './queues/queue-dashboard-sessions.service';
import { ReconciliationsController } from './reconciliations/reconciliations.controller';
import { ReconciliationsService } from './reconciliations/reconciliations.service';
import { CacheInvalidator } from './shared/cache-invalidator.service';
import { BootstrapAdmin } from './staff/bootstrap-admin.service';
import { StaffAuthFailureLimiter } from './staff/staff-auth-failure.limiter';
import { StaffAuthenticator } from './staff/staff-authenticator.service';
import { StaffController } from './staff/staff.controller';
import { StaffMeController } from './staff/staff-me.controller';
import { StaffService } from './staff/staff.service';
import { UsageDailyController } from './usage/usage-daily.controller';
import { UsageDailyService } from './usage/usage-daily.service';
import { UsageModelFilter } from './usage/usage-model-filter';
import { UsageController } from './usage/usage.controller';
import { UsageService } from './usage/usage.service';

const REPOSITORIES = [
  AccountsRepository,
  AlertDeliveriesRepository,
  ApiKeysRepository,
  AuditRepository,
  BalanceAlertsRepository,
  ChannelsRepository,
  IdempotencyRepository,
  LedgerRepository,
  ModelsRepository,
  ReconciliationsRepository,
  StaffRepository,
  UsageRepository,
  UsageRollupsRepository,
];

const SERVICES = [
  AccountsService,
  AccountLimitsService,
  BalanceAlertsService,
  ApiKeysService,
  AuditService,
  LedgerService,
  ModelsService,
  ReconciliationsService,
  StaffService,
  TopUpsService,
  UsageService,
  AdjustmentsService,
  UsageDailyService,
  UsageModelFilter,
  ChannelsService,
  WalletBalances,
];

@Module({})
export class AdminModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AdminModule,
      imports: [ConfigModule.forRoot(config), DbModule, RedisModule, JobsModule, WalletModule],
      controllers: [
        HealthController,
        StaffController,
        StaffMeController,
        AccountsController,
        AccountLimitsController,
        BalanceAlertsController,
        TopUpsController,
        AdjustmentsController,
        LedgerController,
        ApiKeysController,
        ModelsController,
        ModelChannelsController,
        ChannelsController,
        UsageController,
        UsageDailyController,
        ReconciliationsController,
        AuditController,
      ],
      providers: [
        ...REPOSITORIES,
        ...SERVICES,
        TransactionRunner,
        CacheInvalidator,
        QueueDashboardSessions,
        BootstrapAdmin,
        StaffAuthenticator,
        StaffAuthFailureLimiter,
        // Order matters: who is calling (401), then may they (403), then is the input valid (400).
        { provide: APP_GUARD, useClass: StaffAuthGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
        { provide: APP_PIPE, useClass: AdminValidationPipe },
        { provide: APP_FILTER, useClass: AdminExceptionFilter },
      ],
    };
  }
}

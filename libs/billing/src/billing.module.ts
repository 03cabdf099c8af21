import { Module } from '@nestjs/common';
import { BillingLedgerRepository } from '@gw/db';
import { BillingService } from './billing.service';

@Module({ providers: [BillingLedgerRepository, BillingService], exports: [BillingService, BillingLedgerRepository] })
export class BillingModule {}

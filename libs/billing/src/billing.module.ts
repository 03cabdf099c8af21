import { Module } from '@nestjs/common';
import { BillingLedgerRepository } from '@gw/db';
import { BillingService } from './billing.service';
import { StaleReservationSweeper } from './stale-reservation.sweeper';

@Module({
  providers: [BillingLedgerRepository, BillingService, StaleReservationSweeper],
  exports: [BillingService, BillingLedgerRepository, StaleReservationSweeper],
})
export class BillingModule {}

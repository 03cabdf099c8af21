import { Module } from '@nestjs/common';
import { BillingLedgerRepository, HoldLivenessRepository } from '@gw/db';
import { BillingService } from './billing.service';
import { HOLD_LIVENESS } from './holds/hold-liveness';
import { StaleReservationSweeper } from './stale-reservation.sweeper';

@Module({
  providers: [
    BillingLedgerRepository,
    HoldLivenessRepository,
    // Holds' liveness lives in PostgreSQL today; the Wallet issue moves it to Redis behind the same interface.
    { provide: HOLD_LIVENESS, useExisting: HoldLivenessRepository },
    BillingService,
    StaleReservationSweeper,
  ],
  exports: [BillingService, BillingLedgerRepository, StaleReservationSweeper, HOLD_LIVENESS],
})
export class BillingModule {}

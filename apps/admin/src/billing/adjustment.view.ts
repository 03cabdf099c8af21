import { ApiProperty } from '@nestjs/swagger';

/** Also what is stored under an Idempotency-Key and answered again, as is, to a repeat. */
export class AdjustmentView {
  @ApiProperty({ description: 'The ledger entry id' }) id!: string;
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ example: '-4.250000' }) amountUsd!: string;
  @ApiProperty({ example: '20.750000', description: 'Spendable balance after the adjustment (= the ledger balance)' })
  balanceUsd!: string;
  @ApiProperty({ example: '25.000000', description: 'The stored balance before (it may have differed from the ledger)' })
  previousBalanceUsd!: string;
  @ApiProperty({ example: '0.000000', description: 'Open reservations after the adjustment' }) reservedUsd!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) reconciliationId!: string | null;
}

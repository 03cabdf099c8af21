import { ApiProperty } from '@nestjs/swagger';

/** Also what is stored under an Idempotency-Key and answered again, as is, to a repeat. */
export class TopUpView {
  @ApiProperty({ description: 'The ledger entry id' }) id!: string;
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty({ example: '25.000000' }) amountUsd!: string;
  @ApiProperty({ example: '37.500000', description: 'Spendable balance after the top-up' }) balanceUsd!: string;
  @ApiProperty({ type: String, nullable: true }) reference!: string | null;
}

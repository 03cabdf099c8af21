import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';
import { MAX_RPM } from '../keys/api-keys.dto';

/** An account's aggregate may be far above one key's limit (many keys). */
export const MAX_ACCOUNT_RPM = 1_000_000;

/** PUT /accounts/:id/rpm-limit: a field left out keeps its value, null goes back to the default. */
export class AccountRpmLimitsDto {
  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: MAX_RPM,
    description: 'Requests per minute of each key without an rpmLimit of its own; null: the default (DEFAULT_RPM)',
  })
  @ValidateIf((_object: object, value: unknown) => value !== null && value !== undefined)
  @IsInt()
  @Min(1)
  @Max(MAX_RPM)
  rpm?: number | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: MAX_ACCOUNT_RPM,
    description: "Requests per minute of all the account's keys together; null: twice the requesting key's limit",
  })
  @ValidateIf((_object: object, value: unknown) => value !== null && value !== undefined)
  @IsInt()
  @Min(1)
  @Max(MAX_ACCOUNT_RPM)
  accountRpm?: number | null;
}

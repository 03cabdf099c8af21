import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { OptionalNotNull } from '../shared/optional-not-null';
import { PageQueryDto } from '../shared/page-query.dto';
import { emptyToUndefined } from '../shared/query-transforms';
import { IsTimestamp, TIMESTAMP_FORMAT } from '../shared/timestamp.validator';
import { IsUsdAmount, UsdBounds } from '../shared/usd-amount.validator';
import { IsIpAllowlist, MAX_IP_ALLOWLIST } from './ip-allowlist.validator';

export const MAX_RPM = 100_000;
export const MAX_TPM = 100_000_000;
/** USD 0 (the key may spend nothing) to 1,000,000 per UTC day. */
export const DAILY_LIMIT_BOUNDS: UsdBounds = { min: 0n, max: 1_000_000_000_000n };
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** The key policy of spec/policy.md, taken by create and by PATCH alike. */
export class ApiKeyPolicyDto {
  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_IP_ALLOWLIST,
    example: ['203.0.113.7', '10.0.0.0/8', '2001:db8::/32'],
    description: 'IPv4/IPv6 addresses and CIDR ranges the key may be used from (stored in canonical form); empty: any',
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(MAX_IP_ALLOWLIST)
  @IsIpAllowlist()
  ipAllowlist?: string[];

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '10.00',
    description: 'Most the key may spend per UTC day (settled charges plus open holds), USD; null: no cap',
  })
  @IsOptional()
  @IsUsdAmount(DAILY_LIMIT_BOUNDS)
  dailyLimitUsd?: string | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: MAX_TPM,
    description: 'Tokens per minute (input + output); null: no limit',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_TPM)
  tpmLimit?: number | null;
}

export class CreateApiKeyDto extends ApiKeyPolicyDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  accountId!: string;

  @ApiProperty({ maxLength: 100 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({ type: [String], description: 'Model ids or aliases; absent or empty means every model' })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(200, { each: true })
  allowedModels?: string[];

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, maximum: MAX_RPM, description: 'null: the default' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RPM)
  rpmLimit?: number | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: `In the future; ${TIMESTAMP_FORMAT}`,
  })
  @IsOptional()
  @IsTimestamp()
  expiresAt?: string | null;
}

export class UpdateApiKeyDto extends ApiKeyPolicyDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @OptionalNotNull()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ enum: ['active', 'disabled'], description: 'A revoked key stays revoked' })
  @OptionalNotNull()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';

  @ApiPropertyOptional({ type: [String], description: 'Model ids or aliases; empty means every model' })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(200, { each: true })
  allowedModels?: string[];

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: `null: never expires; ${TIMESTAMP_FORMAT}`,
  })
  @IsOptional()
  @IsTimestamp()
  expiresAt?: string | null;
}

export class RpmLimitDto {
  @ApiProperty({ type: Number, nullable: true, minimum: 1, maximum: MAX_RPM, description: 'null: back to the default' })
  @ValidateIf((_object: object, value: unknown) => value !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_RPM)
  rpm!: number | null;
}

export class ListApiKeysQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUUID('all')
  accountId?: string;
}

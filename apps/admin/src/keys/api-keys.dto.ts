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

export const MAX_RPM = 100_000;
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateApiKeyDto {
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

export class UpdateApiKeyDto {
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

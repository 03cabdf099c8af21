import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUUID, MaxLength, ValidateBy } from 'class-validator';
import { isUtcDay } from '@gw/common';
import { PageQueryDto } from '../shared/page-query.dto';
import { emptyToUndefined } from '../shared/query-transforms';

const IsUtcDay = () =>
  ValidateBy({
    name: 'isUtcDay',
    validator: {
      validate: (value: unknown) => isUtcDay(value),
      defaultMessage: (args) => `${args?.property} must be a UTC day written YYYY-MM-DD`,
    },
  });

export class UsageDailyQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUUID('all')
  accountId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUUID('all')
  keyId?: string;

  @ApiPropertyOptional({ description: 'Canonical model id, e.g. openai/gpt-4.1-mini' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(200)
  model?: string;

  @ApiPropertyOptional({ format: 'date', example: '2026-11-01', description: 'First UTC day, inclusive' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUtcDay()
  from?: string;

  @ApiPropertyOptional({ format: 'date', example: '2026-11-30', description: 'Last UTC day, inclusive' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUtcDay()
  to?: string;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, ValidateBy } from 'class-validator';
import { isUtcDay } from '@gw/common';
import { emptyToUndefined } from '../shared/query-transforms';
import { UsageScopeQueryDto } from './usage-scope-query.dto';

const IsUtcDay = () =>
  ValidateBy({
    name: 'isUtcDay',
    validator: {
      validate: (value: unknown) => isUtcDay(value),
      defaultMessage: (args) => `${args?.property} must be a UTC day written YYYY-MM-DD`,
    },
  });

export class UsageDailyQueryDto extends UsageScopeQueryDto {
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

import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsISO8601, IsOptional } from 'class-validator';
import { emptyToUndefined } from '../shared/query-transforms';
import { UsageScopeQueryDto } from './usage-scope-query.dto';

export class UsageQueryDto extends UsageScopeQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Inclusive' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Exclusive' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

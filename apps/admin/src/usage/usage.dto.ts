import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional } from 'class-validator';
import { emptyToUndefined } from '../shared/query-transforms';
import { IsTimestamp, TIMESTAMP_FORMAT } from '../shared/timestamp.validator';
import { UsageScopeQueryDto } from './usage-scope-query.dto';

export class UsageQueryDto extends UsageScopeQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: `Inclusive; ${TIMESTAMP_FORMAT}` })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsTimestamp()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: `Exclusive; ${TIMESTAMP_FORMAT}` })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsTimestamp()
  to?: string;
}

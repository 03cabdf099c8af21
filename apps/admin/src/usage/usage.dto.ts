import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional } from 'class-validator';
import { USAGE_PROTOCOLS, type UsageProtocol } from '@gw/db';
import { emptyToUndefined } from '../shared/query-transforms';
import { IsTimestamp, TIMESTAMP_FORMAT } from '../shared/timestamp.validator';
import { UsageScopeQueryDto } from './usage-scope-query.dto';

export class UsageQueryDto extends UsageScopeQueryDto {
  @ApiPropertyOptional({ enum: USAGE_PROTOCOLS, description: 'The protocol the client spoke' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(USAGE_PROTOCOLS)
  protocol?: UsageProtocol;

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

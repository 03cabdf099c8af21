import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsISO8601, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQueryDto } from '../shared/page-query.dto';
import { emptyToUndefined } from '../shared/query-transforms';

export class UsageQueryDto extends PageQueryDto {
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

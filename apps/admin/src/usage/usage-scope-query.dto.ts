import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQueryDto } from '../shared/page-query.dto';
import { emptyToUndefined } from '../shared/query-transforms';

/** The filters both usage lists share (raw records and daily rollups), on top of paging. */
export class UsageScopeQueryDto extends PageQueryDto {
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

  @ApiPropertyOptional({
    description: 'A model id (openai/gpt-4.1-mini) or one of its aliases (gpt-4.1-mini): the records of that model',
  })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(200)
  model?: string;
}

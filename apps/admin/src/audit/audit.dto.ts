import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQueryDto } from '../shared/page-query.dto';
import { emptyToUndefined } from '../shared/query-transforms';

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only the writes of this staff member' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUUID('all')
  staffId?: string;

  @ApiPropertyOptional({ example: 'account:7b0e0b4e-…', description: 'Only the writes to this target, as listed' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(300)
  target?: string;

  @ApiPropertyOptional({ example: 'account.adjustment', description: 'Only this action' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;
}

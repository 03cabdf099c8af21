import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { BodyOptional } from '../middleware/validation.pipe';
import { IsTimestamp, TIMESTAMP_FORMAT } from '../shared/timestamp.validator';

/** No body at all: a run over everything, from the beginning up to now. */
@BodyOptional()
export class CreateReconciliationDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: `Start of the checked range; ${TIMESTAMP_FORMAT}`,
  })
  @IsOptional()
  @IsTimestamp()
  from?: string | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: `End of the checked range; ${TIMESTAMP_FORMAT}`,
  })
  @IsOptional()
  @IsTimestamp()
  to?: string | null;
}

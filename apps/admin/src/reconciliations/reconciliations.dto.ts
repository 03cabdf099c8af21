import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';

export class CreateReconciliationDto {
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'Start of the checked range' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'End of the checked range' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string | null;
}

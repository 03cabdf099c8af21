import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../shared/page-query.dto';
import { emptyToUndefined } from '../shared/query-transforms';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateAccountDto {
  @ApiProperty({ maxLength: 200 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ type: String, nullable: true, format: 'email' })
  @Transform(trim)
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  email?: string | null;
}

export class ListAccountsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    maxLength: 200,
    description: 'Only accounts whose name or email contains this text (case-insensitive; % and _ are plain characters)',
  })
  @Transform(({ value }: { value: unknown }) => emptyToUndefined({ value: trim({ value }) }))
  @IsOptional()
  @IsString()
  @MaxLength(200)
  // PostgreSQL text cannot hold NUL: refuse it here rather than fail the query.
  @Matches(/^[^\u0000]*$/, { message: 'search must not contain NUL characters' })
  search?: string;
}

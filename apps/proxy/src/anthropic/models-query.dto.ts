import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** GET /v1/models query, as Anthropic documents it (cursor pagination). */
export class AnthropicModelsQueryDto {
  @IsOptional() @IsString() @Matches(/^(?:[1-9]\d{0,2}|1000)$/, { message: 'limit must be an integer from 1 to 1000' })
  limit?: string;

  @IsOptional() @IsString() @MaxLength(256)
  after_id?: string;

  @IsOptional() @IsString() @MaxLength(256)
  before_id?: string;
}

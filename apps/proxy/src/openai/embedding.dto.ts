import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Satisfies } from '../validation/satisfies.decorator';

const MAX_INPUTS = 2_048;
const isTokenId = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isTokenArray = (value: unknown) => Array.isArray(value) && value.length > 0 && value.every(isTokenId);

/** A string, an array of strings, an array of token ids, or an array of token arrays; never empty. */
function isEmbeddingInput(value: unknown): boolean {
  if (typeof value === 'string') return value.length > 0;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_INPUTS) return false;
  if (value.every(isTokenId)) return true;
  return value.every((item) => (typeof item === 'string' && item.length > 0) || isTokenArray(item));
}

/** POST /v1/embeddings, as OpenAI documents it: every parameter, and nothing else. */
export class EmbeddingRequestDto {
  @IsString() @MinLength(1) @MaxLength(256)
  model!: string;

  @Satisfies(
    'isEmbeddingInput',
    isEmbeddingInput,
    `input must be a non-empty string, an array of up to ${MAX_INPUTS} non-empty strings, or token arrays`,
  )
  input!: string | string[] | number[] | number[][];

  // The openai SDK sends 'base64' unless told otherwise (and decodes it); both go to the provider as sent.
  @IsOptional() @IsIn(['float', 'base64'])
  encoding_format?: 'float' | 'base64';

  @IsOptional() @IsInt() @Min(1) @Max(65_536)
  dimensions?: number;

  @IsOptional() @IsString()
  user?: string;
}

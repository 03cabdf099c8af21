import { ValidateIf } from 'class-validator';

/** May be left out, but not sent as null (unlike @IsOptional): for fields whose column cannot be empty. */
export const OptionalNotNull = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

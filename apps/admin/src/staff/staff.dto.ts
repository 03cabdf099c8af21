import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, MaxLength } from 'class-validator';

export class CreateStaffDto {
  @ApiProperty({ format: 'email' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiProperty({ enum: ['admin', 'support', 'finance'] })
  @IsIn(['admin', 'support', 'finance'])
  role!: 'admin' | 'support' | 'finance';
}

export class UpdateStaffDto {
  @ApiProperty({ enum: ['active', 'disabled'], description: 'A disabled staff member gets 401 from then on' })
  @IsIn(['active', 'disabled'])
  status!: 'active' | 'disabled';
}

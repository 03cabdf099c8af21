import { GatewayError } from '@gw/common';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { AdminValidationPipe } from './validation.pipe';

class SampleDto {
  @IsString()
  name!: string;

  @IsInt()
  @Min(1)
  @Max(10)
  count!: number;
}

describe(AdminValidationPipe.name, () => {
  const sut = new AdminValidationPipe();
  const body = { type: 'body' as const, metatype: SampleDto };

  async function messageOf(value: unknown): Promise<string> {
    try {
      await sut.transform(value, body);
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).status).toBe(400);
      return (error as GatewayError).message;
    }
    throw new Error('expected a validation error');
  }

  it('returns a valid body as the DTO', async () => {
    await expect(sut.transform({ name: 'a', count: 3 }, body)).resolves.toBeInstanceOf(SampleDto);
  });

  it('names a missing field', async () => {
    expect(await messageOf({ count: 3 })).toBe("Missing required field 'name'");
  });

  it('names an unknown field', async () => {
    expect(await messageOf({ name: 'a', count: 3, extra: true })).toBe("Unrecognized field 'extra'");
  });

  it('names a bad value, type problem first', async () => {
    expect(await messageOf({ name: 'a', count: 'ten' })).toMatch(
      /^Invalid value for 'count': must be an integer number/,
    );
    expect(await messageOf({ name: 'a', count: 11 })).toBe("Invalid value for 'count': must not be greater than 10");
  });

  it('does not convert a number-looking string into a number', async () => {
    expect(await messageOf({ name: 'a', count: '3' })).toMatch(/'count'/);
  });

  it('refuses a body that is not a JSON object, and treats no body as an empty one', async () => {
    expect(await messageOf([1])).toBe('Request body must be a JSON object');
    expect(await messageOf('text')).toBe('Request body must be a JSON object');
    expect(await messageOf(undefined)).toBe("Missing required field 'name'");
  });
});

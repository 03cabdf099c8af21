import { GatewayError } from '@gw/common';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { AdminValidationPipe, BodyOptional } from './validation.pipe';

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

  it('refuses a body that is not a JSON object, null included, and a missing body', async () => {
    expect(await messageOf([1])).toBe('Request body must be a JSON object');
    expect(await messageOf('text')).toBe('Request body must be a JSON object');
    expect(await messageOf(null)).toBe('Request body must be a JSON object');
    expect(await messageOf(undefined)).toMatch(/^Request body is required/);
  });

  it('treats a missing body as an empty object where the DTO says a body is optional', async () => {
    @BodyOptional()
    class RangeDto {
      @IsOptional()
      @IsString()
      from?: string;
    }
    await expect(sut.transform(undefined, { type: 'body', metatype: RangeDto })).resolves.toBeInstanceOf(RangeDto);
    await expect(sut.transform(null, { type: 'body', metatype: RangeDto })).rejects.toThrow(/must be a JSON object/);
  });

  it.each([
    [{ name: 'a\u0000b', count: 1 }, "Invalid value for 'name': must not contain NUL characters (\\u0000)"],
    [{ name: 'a\ud800', count: 1 }, "Invalid value for 'name': must be valid Unicode text (it holds an unpaired surrogate)"],
    [{ name: 'a', count: 1, 'x\u0000': 1 }, 'Invalid field name: must not contain NUL characters (\\u0000)'],
  ])('refuses text the database cannot store, naming the field: %j', async (value, message) => {
    expect(await messageOf(value)).toBe(message);
  });

  it('names the nested field, the query parameter and the path parameter that holds such text', async () => {
    await expect(sut.transform({ list: [{ ok: 'x' }, { bad: '\u0000' }] }, { type: 'body', metatype: Object })).rejects.toThrow(
      "Invalid value for 'list.1.bad'",
    );
    await expect(sut.transform({ model: 'a\u0000' }, { type: 'query', metatype: Object })).rejects.toThrow(
      "Invalid value for 'model'",
    );
    await expect(sut.transform('gen-\u0000', { type: 'param', metatype: String, data: 'generationId' })).rejects.toThrow(
      "Invalid value for 'generationId'",
    );
    await expect(sut.transform('a\ud83d\ude00b', { type: 'param', metatype: String, data: 'id' })).resolves.toBe(
      'a\ud83d\ude00b',
    );
  });
});

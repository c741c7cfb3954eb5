import { BadRequestException, type ValidationError } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsString, Min, MinLength, ValidateNested } from 'class-validator';
import { createValidationPipe, toFieldErrors } from './validation';

class AddressDto {
  @IsString() @MinLength(2) city!: string;
}

class ProfileDto {
  @IsString() name!: string;
  @IsInt() @Min(0) age!: number;
  @ValidateNested() @Type(() => AddressDto) address!: AddressDto;
  @ValidateNested({ each: true }) @Type(() => AddressDto) previous!: AddressDto[];
}

function rejectionOf(error: unknown): Record<string, unknown> {
  expect(error).toBeInstanceOf(BadRequestException);
  return (error as BadRequestException).getResponse() as Record<string, unknown>;
}

describe(toFieldErrors.name, () => {
  it('returns an empty object when there are no errors', () => {
    expect(toFieldErrors([])).toEqual({});
  });

  it('keys messages by property when errors are flat', () => {
    const errors: ValidationError[] = [
      { property: 'name', constraints: { isString: 'name must be a string' } },
      { property: 'age', constraints: { isInt: 'age must be an integer', min: 'age must be >= 0' } },
    ];

    expect(toFieldErrors(errors)).toEqual({
      name: ['name must be a string'],
      age: ['age must be an integer', 'age must be >= 0'],
    });
  });

  it('joins nested properties and array indexes with dots when errors have children', () => {
    const errors: ValidationError[] = [
      {
        property: 'address',
        children: [
          {
            property: 'geo',
            children: [{ property: 'lat', constraints: { isNumber: 'lat must be a number' } }],
          },
          { property: 'city', constraints: { minLength: 'city is too short' } },
        ],
      },
      {
        property: 'previous',
        constraints: { arrayMaxSize: 'previous has too many items' },
        children: [
          { property: '1', children: [{ property: 'city', constraints: { isString: 'city must be text' } }] },
        ],
      },
    ];

    expect(toFieldErrors(errors)).toEqual({
      'address.geo.lat': ['lat must be a number'],
      'address.city': ['city is too short'],
      previous: ['previous has too many items'],
      'previous.1.city': ['city must be text'],
    });
  });

  it('prefixes every path when a parent path is given', () => {
    expect(toFieldErrors([{ property: 'x', constraints: { a: 'bad x' } }], 'body')).toEqual({
      'body.x': ['bad x'],
    });
  });
});

describe(createValidationPipe.name, () => {
  const pipe = createValidationPipe();
  const metadata = { type: 'body' as const, metatype: ProfileDto };

  it('transforms the payload into the DTO class when it is valid', async () => {
    const value = await pipe.transform(
      { name: 'Ann', age: 30, address: { city: 'Oslo' }, previous: [{ city: 'Rome' }] },
      metadata,
    );

    expect(value).toBeInstanceOf(ProfileDto);
    expect((value as ProfileDto).address).toBeInstanceOf(AddressDto);
  });

  it('answers 400 with one message list per field path when the payload is invalid', async () => {
    const error: unknown = await pipe
      .transform(
        { name: 7, age: -1, address: { city: 'X' }, previous: [{ city: 'Rome' }, { city: 1 }] },
        metadata,
      )
      .catch((rejection: unknown) => rejection);

    const body = rejectionOf(error);
    expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: 'Validation failed' });
    expect(Object.keys(body.errors as object).sort()).toEqual([
      'address.city',
      'age',
      'name',
      'previous.1.city',
    ]);
    expect((body.errors as Record<string, string[]>).age).toEqual(['age must not be less than 0']);
  });

  it('rejects unknown properties when they are not whitelisted', async () => {
    const error: unknown = await pipe
      .transform({ name: 'Ann', age: 1, address: { city: 'Oslo' }, previous: [], isAdmin: true }, metadata)
      .catch((rejection: unknown) => rejection);

    expect(rejectionOf(error).errors).toEqual({ isAdmin: ['property isAdmin should not exist'] });
  });
});

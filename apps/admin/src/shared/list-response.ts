import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';

/** Every list answers `{ data, nextCursor }`; pass nextCursor as `?cursor=` for the next page (null: no more). */
export interface ListResponse<T> {
  data: T[];
  nextCursor: string | null;
}

/** Documents a list route's answer in the OpenAPI document. */
export function ApiListResponse(item: Type<unknown>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(item),
    ApiOkResponse({
      schema: {
        type: 'object',
        required: ['data', 'nextCursor'],
        properties: {
          data: { type: 'array', items: { $ref: getSchemaPath(item) } },
          nextCursor: { type: 'string', nullable: true, description: 'Opaque; pass as ?cursor= for the next page' },
        },
      },
    }),
  );
}

import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export const OPENAPI_UI_PATH = 'admin/docs';
export const OPENAPI_JSON_PATH = 'admin/docs-json';

/** The OpenAPI document is generated from the controllers and DTOs, so it lists every route there is. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Chuizi Gateway admin API')
    .setDescription(
      'Staff API (spec/admin-api.md). Authenticate with `Authorization: Bearer <staff token>`. Money is a decimal ' +
        'string in USD; lists take ?limit= and ?cursor= and answer { data, nextCursor }; errors are ' +
        '{ "error": { "message", "type", "code" } }.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Staff token (or ADMIN_TOKEN)' })
    .addSecurityRequirements('bearer')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** UI at /admin/docs (assets served from swagger-ui-dist in node_modules, never a CDN), JSON at /admin/docs-json. */
export function setupOpenApi(app: INestApplication): void {
  let document: OpenAPIObject | undefined;
  SwaggerModule.setup(OPENAPI_UI_PATH, app, () => (document ??= buildOpenApiDocument(app)), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'Chuizi Gateway admin API',
  });
}

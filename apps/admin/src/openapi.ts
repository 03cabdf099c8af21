import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '@gw/config';
import { sendAdminError, toGatewayError } from './middleware/error-response';
import { presentedStaffToken } from './middleware/staff-credentials';
import { StaffAuthenticator } from './staff/staff-authenticator.service';

export const OPENAPI_UI_PATH = 'admin/docs';
export const OPENAPI_JSON_PATH = 'admin/docs-json';

/** The OpenAPI document is generated from the controllers and DTOs, so it lists every route there is. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Chuizi Gateway admin API')
    .setDescription(
      'Staff API (spec/admin-api.md). Authenticate with `Authorization: Bearer <staff token>`; an address that ' +
        'fails AUTH_FAILURE_LIMIT times within a minute gets 429 (with Retry-After) for everything until the minute ' +
        'is over. Money is a decimal string in USD; lists take ?limit= and ?cursor= (opaque: pass back a nextCursor) ' +
        'and answer { data, nextCursor }; errors are { "error": { "message", "type", "code" } }, a 400 naming the ' +
        'field. Bodies are UTF-8 JSON objects (a `null` or absent body is refused where the route takes one), at most ' +
        '1 MB and 64 levels deep; no text may hold NUL (\\u0000) or unpaired surrogates; timestamps are RFC 3339 ' +
        'date-times with a zone, or dates, in the years 1 to 9999.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Staff token (or ADMIN_TOKEN)' })
    .addSecurityRequirements('bearer')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/**
 * UI at /admin/docs (assets served from swagger-ui-dist in node_modules, never a CDN), JSON at /admin/docs-json.
 * With ADMIN_DOCS_ACCESS=staff both need a staff token (any role), as a Bearer token or as the password of HTTP Basic
 * authentication, which a browser asks for by itself; failures count against the address like any staff sign-in.
 */
export function setupOpenApi(app: NestFastifyApplication, config: AppConfig): void {
  if (config.admin.docsAccess === 'staff') requireStaffForDocs(app);
  let document: OpenAPIObject | undefined;
  SwaggerModule.setup(OPENAPI_UI_PATH, app, () => (document ??= buildOpenApiDocument(app)), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'Chuizi Gateway admin API',
  });
}

/** Makes a browser ask for credentials (any user name, a staff token as the password). */
const BASIC_CHALLENGE = 'Basic realm="Chuizi Gateway admin API", charset="UTF-8"';

function requireStaffForDocs(app: NestFastifyApplication): void {
  const authenticator = app.get(StaffAuthenticator);
  // By the route matched (the router decodes the path), not by the raw URL, which could be spelled otherwise.
  app.getHttpAdapter().getInstance().addHook('onRequest', async (request, reply) => {
    if (!request.routeOptions.url?.startsWith(`/${OPENAPI_UI_PATH}`)) return;
    try {
      await authenticator.authenticateRequest(request, presentedStaffToken(request, { basic: true }));
    } catch (error) {
      const refusal = toGatewayError(error);
      if (refusal.status === 401) reply.header('www-authenticate', BASIC_CHALLENGE);
      sendAdminError(request, reply, refusal);
      return reply;
    }
  });
}

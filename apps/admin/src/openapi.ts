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
    // An opaque token (`cs-…`, or ADMIN_TOKEN), not a JWT (the builder's default bearerFormat).
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'opaque',
      description: 'Staff token (or ADMIN_TOKEN)',
    })
    .addSecurityRequirements('bearer')
    .build();
  return withErrorResponses(SwaggerModule.createDocument(app, config));
}

const ERROR_SCHEMA_NAME = 'ErrorResponse';

interface Operation {
  responses?: Record<string, unknown>;
  parameters?: { in?: string; name?: string }[];
}

/** spec/errors.md, OpenAI format, as every error of the admin API is written. */
const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'code'],
      properties: {
        message: { type: 'string', description: 'A 400 names the bad field' },
        type: {
          type: 'string',
          enum: [
            'invalid_request_error',
            'authentication_error',
            'permission_error',
            'not_found',
            'rate_limit_error',
            'server_error',
            'service_unavailable',
          ],
        },
        code: { type: 'string', description: 'The HTTP status as a string', example: '400' },
      },
    },
  },
} as const;

/**
 * The error answers every staff route may give, in the error format above: the controllers declare their success
 * answers only, and a client generated from the document should know the shape of the others too. 400 (bad input),
 * 401 (missing or wrong token), 403 (a role without the right), 429 (the address's failed sign-ins), 503 (PostgreSQL
 * or Redis unreachable); 404 where the path names a resource; 422 where an Idempotency-Key was used with another body.
 */
function withErrorResponses(document: OpenAPIObject): OpenAPIObject {
  document.components = document.components ?? {};
  document.components.schemas = { ...document.components.schemas, [ERROR_SCHEMA_NAME]: { ...ERROR_SCHEMA } as never };
  const error = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } } },
  });
  for (const [path, item] of Object.entries(document.paths)) {
    const staffRoute = path.startsWith('/admin/v1/');
    for (const operation of Object.values(item) as Operation[]) {
      if (!operation || typeof operation !== 'object' || !operation.responses) continue;
      const add = (status: string, description: string) => {
        operation.responses![status] ??= error(description);
      };
      if (staffRoute) {
        add('400', 'Invalid input: the message names the field');
        add('401', 'Missing or wrong staff token');
        add('403', 'The role of the token may not do this');
        if (path.includes('{')) add('404', 'No such resource (unknown or malformed id)');
        if (operation.parameters?.some((p) => p.in === 'header' && p.name === 'Idempotency-Key')) {
          add('422', 'This Idempotency-Key was already used with a different request');
        }
        add('429', 'Too many failed sign-ins from this address (Retry-After)');
      }
      if (staffRoute || path === '/readyz') add('503', 'PostgreSQL or Redis unreachable, or shutting down');
    }
  }
  return document;
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

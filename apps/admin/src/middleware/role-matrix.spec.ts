import { Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common/enums/request-method.enum';
import { loadConfig } from '@gw/config';
import { AdminModule } from '../admin.module';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';

/**
 * The README's role matrix ("Admin API and staff roles"), route by route: who besides admin may call it ('public': no
 * token). A route added to the admin app without a row here fails this spec, so the matrix is decided, not inherited.
 * (PATCH /keys/:id is narrowed further per field by api-key-patch.policy.ts.)
 */
const MATRIX: Record<string, 'public' | Array<'support' | 'finance'>> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'POST /staff': [],
  'GET /staff': [],
  'PATCH /staff/:id': [],
  'GET /staff/me': ['support', 'finance'],
  'POST /accounts': [],
  'GET /accounts': ['support', 'finance'],
  'GET /accounts/:id': ['support', 'finance'],
  'POST /accounts/:id/top-ups': ['finance'],
  'POST /accounts/:id/adjustments': ['finance'],
  'GET /accounts/:id/ledger': ['finance'],
  'PUT /accounts/:id/rpm-limit': ['support'],
  'PUT /accounts/:id/alerts': ['finance'],
  'GET /accounts/:id/alerts': ['finance'],
  'GET /accounts/:id/alerts/deliveries': ['finance'],
  'POST /keys': ['support'],
  'GET /keys': ['support'],
  'GET /keys/:id': ['support'],
  'PATCH /keys/:id': ['support'],
  'PUT /keys/:id/rpm-limit': ['support'],
  'DELETE /keys/:id': [],
  'GET /models': [],
  'GET /models/:id': [],
  'PUT /models/:id': [],
  'GET /models/:id/channels': [],
  'PUT /models/:id/channels': [],
  'GET /channels': [],
  'GET /channels/:id': [],
  'POST /channels': [],
  'PATCH /channels/:id': [],
  'GET /usage': ['finance'],
  'GET /usage/daily': ['finance'],
  'GET /generations/:generationId': ['support', 'finance'],
  'POST /reconciliations': ['finance'],
  'GET /reconciliations': ['finance'],
  'GET /reconciliations/:id': ['finance'],
  'GET /audit-log': [],
};

function join(...parts: unknown[]): string {
  const path = parts
    .flatMap((part) => (typeof part === 'string' ? part.split('/') : []))
    .filter((segment) => segment !== '')
    .join('/');
  return `/${path}`;
}

/** Every route of the admin app's controllers, with what its guards read: the handler's metadata, else the class's. */
function routesOf(controllers: Type[]): Record<string, 'public' | string[]> {
  const routes: Record<string, 'public' | string[]> = {};
  for (const controller of controllers) {
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = controller.prototype[name] as object;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (name === 'constructor' || method === undefined) continue;
      const route = `${RequestMethod[method]} ${join(Reflect.getMetadata(PATH_METADATA, controller), Reflect.getMetadata(PATH_METADATA, handler))}`;
      const read = (key: string) => Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller);
      routes[route] = read(PUBLIC_KEY) === true ? 'public' : [...((read(ROLES_KEY) as string[] | undefined) ?? [])].sort();
    }
  }
  return routes;
}

describe('admin role matrix', () => {
  it('every route of the admin app grants exactly the roles of the README matrix', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/unused',
      ADMIN_TOKEN: 'role-matrix-spec-token-0123456789',
      ALLOW_PLAINTEXT_CREDENTIALS: 'true',
    });
    const controllers = AdminModule.forRoot(config).controllers as Type[];
    const expected = Object.fromEntries(
      Object.entries(MATRIX).map(([route, roles]) => [route, roles === 'public' ? roles : [...roles].sort()]),
    );
    expect(routesOf(controllers)).toEqual(expected);
  });
});

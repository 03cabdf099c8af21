import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import type { AppConfig } from '@gw/config';
import { GATEWAY_ROUTE, type ProxyRoute } from '../context/request-context';
import { ProxyModule } from '../proxy.module';
import { BODY_SCHEMAS } from './body-schemas';

/** Every @GatewayRoute the proxy serves, by controller and handler. */
function gatewayRoutes(): { handler: string; route: ProxyRoute }[] {
  const controllers = ProxyModule.forRoot({ billing: { store: 'postgres' }, channels: { credentialsKey: null, allowPlaintext: true } } as AppConfig).controllers ?? [];
  return controllers.flatMap((controller) =>
    Object.getOwnPropertyNames(controller.prototype).flatMap((name) => {
      const config = Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, controller.prototype[name]) as Record<string, ProxyRoute> | undefined;
      return config?.[GATEWAY_ROUTE] ? [{ handler: `${controller.name}.${name}`, route: config[GATEWAY_ROUTE] }] : [];
    }),
  );
}

describe('BODY_SCHEMAS', () => {
  // A schema missing here is checked again on the event loop for every large body (12-24 ms for 11 MB): the worker
  // that parsed the body is handed the route's schema by name and finds it here.
  it("holds every route's body schema, under its own name", () => {
    const withBody = gatewayRoutes().filter(({ route }) => route.body !== undefined);
    expect(withBody.map(({ handler }) => handler)).toEqual(
      expect.arrayContaining([
        'ChatCompletionsController.create',
        'GeminiGenerateContentController.generateContent',
        'GeminiGenerateContentController.streamGenerateContent',
        'GeminiGenerateContentController.countTokens',
      ]),
    );
    for (const { handler, route } of withBody) expect({ handler, schema: BODY_SCHEMAS.get(route.body!.name) }).toEqual({ handler, schema: route.body });
  });

  it('names each schema once: a verdict is reused for the schema of that name only', () => {
    const names = [...BODY_SCHEMAS.values()].map((schema) => schema.name);
    expect(new Set(names).size).toBe(7);
    expect([...BODY_SCHEMAS.keys()]).toEqual(names);
  });
});

import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '@gw/common';
import { ModelCatalog } from '@gw/catalog';
import type { ModelRecord } from '@gw/db';
import type { GatewayContext } from '../context/gateway-context';
import { validateBody } from '../validation/validate-body';
import { GATEWAY_ROUTE, GatewayRouteOptions } from './gateway-route.decorator';

const KIND_BY_ENDPOINT = { 'chat.completions': 'chat', messages: 'chat', count_tokens: 'chat', embeddings: 'embedding' };

/**
 * Runs after authentication and rate limiting, before any money moves: validates the body (400), resolves the model
 * by id or alias (404), checks it fits the endpoint and protocol (400) and that the key may use it (403).
 */
@Injectable()
export class ModelAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly catalog: ModelCatalog,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const route = this.reflector.get<GatewayRouteOptions | undefined>(GATEWAY_ROUTE, context.getHandler());
    if (!route?.body) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const gw = request.gw;
    const body = validateBody(route.body, request.body, route.protocol);
    gw.body = body;
    gw.stream = body.stream === true;
    gw.requestedModel = body.model as string;
    const known = this.catalog.resolve(gw.requestedModel);
    if (known) {
      gw.model = this.check(known, gw, route);
      return true;
    }
    // Rare: an unknown name, or a model created a moment ago that this instance has not loaded yet.
    return this.catalog.resolveAfterReload(gw.requestedModel).then((model) => {
      gw.model = this.check(model, gw, route);
      return true;
    });
  }

  private check(model: ModelRecord | undefined, gw: GatewayContext, route: GatewayRouteOptions): ModelRecord {
    const name = gw.requestedModel!;
    if (!model || !model.enabled) {
      throw GatewayError.notFound(`The model '${name}' does not exist or is not available`);
    }
    const expectedKind = KIND_BY_ENDPOINT[route.endpoint as keyof typeof KIND_BY_ENDPOINT];
    if (expectedKind && model.kind !== expectedKind) {
      throw GatewayError.invalidRequest(`The model '${name}' is not a ${expectedKind} model`);
    }
    if (model.provider !== route.protocol) {
      const path = model.provider === 'anthropic' ? '/anthropic/v1/messages' : '/v1/chat/completions';
      throw GatewayError.invalidRequest(`The model '${name}' is served over the ${model.provider} protocol: use ${path}`);
    }
    const allowed = gw.key!.allowedModels;
    if (allowed.length > 0 && !allowed.includes(model.id) && !allowed.includes(name)) {
      throw GatewayError.permissionDenied(`This API key is not allowed to use the model '${name}'`);
    }
    return model;
  }
}

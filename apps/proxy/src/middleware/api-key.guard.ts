import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { API_KEY_PATTERN, GatewayError, sha256Hex } from '@gw/common';
import { ApiKeyCache } from '@gw/keys';
import { AuthFailureLimiter } from './auth-failure.limiter';
import { GATEWAY_ROUTE, GatewayRouteOptions } from './gateway-route.decorator';

/**
 * The key from `Authorization: Bearer ck-…` or, failing that, `x-api-key: ck-…` (Authorization wins when both are
 * sent). Returns null when neither header carries anything.
 */
export function extractApiKey(request: FastifyRequest): string | null {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.length > 0) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1] : authorization;
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey.trim() : null;
}

/**
 * 401 for a key that is missing, malformed, unknown, revoked, disabled or expired, or whose account is suspended:
 * one message for all, so the answer tells an attacker nothing. Only the key's SHA-256 is ever looked up; the lookup
 * is a hash-map hit on the hash (no secret comparison that could leak timing).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyCache,
    private readonly failures: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.reflector.get<GatewayRouteOptions | undefined>(GATEWAY_ROUTE, context.getHandler());
    if (!route) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    request.gw.protocol = route.protocol;
    request.gw.endpoint = route.endpoint;

    await this.failures.assertNotBlocked(request);
    const key = extractApiKey(request);
    const record = key && API_KEY_PATTERN.test(key) ? await this.keys.get(sha256Hex(key)) : null;
    const usable =
      record !== null &&
      record.status === 'active' &&
      record.accountActive &&
      (record.expiresAt === null || record.expiresAt.getTime() > Date.now());
    if (!usable) {
      await this.failures.recordFailure(request);
      throw GatewayError.unauthenticated();
    }
    request.gw.key = record;
    return true;
  }
}

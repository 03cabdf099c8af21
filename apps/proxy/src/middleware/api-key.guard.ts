import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { API_KEY_PATTERN, GatewayError, sha256Hex } from '@gw/common';
import type { ApiKeyAuthRecord } from '@gw/db';
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
    // Node keeps only the first of repeated Authorization headers: a request that sends two has no one key.
    if (isRepeated(request.raw.rawHeaders, 'authorization')) return null;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1] : authorization;
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey.trim() : null;
}

/** Whether the raw header list (name, value, name, value…) holds `name` (lower case) more than once. */
function isRepeated(rawHeaders: string[], name: string): boolean {
  let seen = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].length === name.length && rawHeaders[i].toLowerCase() === name && ++seen > 1) return true;
  }
  return false;
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

    const key = extractApiKey(request);
    const hash = key && API_KEY_PATTERN.test(key) ? sha256Hex(key) : null;
    const cached = hash ? this.keys.peek(hash) : undefined;
    if (isUsable(cached)) {
      // The hot path: no round trip here; the RPM guard checks this address's failure block with the key's window.
      request.gw.key = cached;
      return true;
    }
    // Before any database lookup, so that a blocked address cannot make us query keys.
    await this.failures.assertNotBlocked(request);
    const record = hash ? await this.keys.get(hash) : null;
    if (!isUsable(record)) {
      await this.failures.recordFailure(request);
      throw GatewayError.unauthenticated();
    }
    request.gw.key = record;
    return true;
  }
}

function isUsable(record: ApiKeyAuthRecord | null | undefined): record is ApiKeyAuthRecord {
  return (
    !!record &&
    record.status === 'active' &&
    record.accountActive &&
    (record.expiresAt === null || record.expiresAt.getTime() > Date.now())
  );
}

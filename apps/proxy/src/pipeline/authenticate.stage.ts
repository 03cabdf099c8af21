import type { IncomingHttpHeaders } from 'node:http';
import { Injectable } from '@nestjs/common';
import { accountId, API_KEY_PATTERN, GatewayError, keyId, sha256Hex } from '@gw/common';
import type { ApiKeyAuthRecord } from '@gw/db';
import { ApiKeyCache } from '@gw/keys';
import type { ClientAddress } from '@gw/redis';
import { AuthFailureLimiter } from '../middleware/auth-failure.limiter';
import type { Caller, ProxyRoute, RequestContext } from '../context/request-context';

/**
 * The key from `Authorization: Bearer ck-…` or, failing that, `x-api-key: ck-…` (Authorization wins when both are
 * sent). Returns null when neither header carries anything.
 */
export function extractApiKey(headers: IncomingHttpHeaders, rawHeaders: string[]): string | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && authorization.length > 0) {
    // Node keeps only the first of repeated Authorization headers: a request that sends two has no one key.
    if (isRepeated(rawHeaders, 'authorization')) return null;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1] : authorization;
  }
  const apiKey = headers['x-api-key'];
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

export function isWellFormedKey(key: string | null): key is string {
  return key !== null && API_KEY_PATTERN.test(key);
}

/**
 * Stage 2, authenticate: who is calling. 401 for a key that is missing, malformed, unknown, revoked, disabled or
 * expired, or whose account is suspended: one message for all, so the answer tells an attacker nothing. 429 once the
 * client address failed too often (AUTH_FAILURE_LIMIT), 503 when Redis cannot count failures. Only the key's SHA-256
 * is ever looked up; the lookup is a hash-map hit on the hash (no secret comparison that could leak timing).
 */
@Injectable()
export class AuthenticateStage {
  constructor(
    private readonly keys: ApiKeyCache,
    private readonly failures: AuthFailureLimiter,
  ) {}

  /**
   * The part that runs as soon as the headers are in, before the body is read: a request with nothing shaped like a
   * key is refused at once (and counted as a failure), so keyless traffic costs next to nothing.
   */
  async requireKey(context: RequestContext, apiKey: string | null, client: ClientAddress): Promise<void> {
    if (isWellFormedKey(apiKey)) return;
    await this.countFailure(context, client);
    throw GatewayError.unauthenticated();
  }

  async authenticate(context: RequestContext, route: ProxyRoute, apiKey: string | null, client: ClientAddress): Promise<Caller> {
    const hash = isWellFormedKey(apiKey) ? sha256Hex(apiKey) : null;
    const cached = hash ? this.keys.peek(hash) : undefined;
    // The hot path: no round trip; the admit stage checks this address's failure block with the key's window.
    if (isUsable(cached)) return callerOf(context, route, cached);
    // Before any database lookup, so that a blocked address cannot make us query keys.
    await this.refusedIfBlocked(context, () => this.failures.assertNotBlocked(client));
    const record = hash ? await this.keys.get(hash) : null;
    if (!isUsable(record)) {
      await this.countFailure(context, client);
      throw GatewayError.unauthenticated();
    }
    return callerOf(context, route, record);
  }

  private countFailure(context: RequestContext, client: ClientAddress): Promise<void> {
    return this.refusedIfBlocked(context, () => this.failures.recordFailure(client));
  }

  /** A 429 from the failure counter means the address is blocked: the throttling metric says so. */
  private async refusedIfBlocked(context: RequestContext, check: () => Promise<void>): Promise<void> {
    try {
      await check();
    } catch (error) {
      if (error instanceof GatewayError && error.status === 429) context.throttledBy = 'auth_failure';
      throw error;
    }
  }
}

function callerOf(context: RequestContext, route: ProxyRoute, key: ApiKeyAuthRecord): Caller {
  return { context, route, key, accountId: accountId(key.accountId), keyId: keyId(key.id) };
}

function isUsable(record: ApiKeyAuthRecord | null | undefined): record is ApiKeyAuthRecord {
  return (
    !!record &&
    record.status === 'active' &&
    record.accountActive &&
    (record.expiresAt === null || record.expiresAt.getTime() > Date.now())
  );
}

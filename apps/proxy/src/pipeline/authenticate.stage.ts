import type { IncomingHttpHeaders } from 'node:http';
import { Injectable } from '@nestjs/common';
import { accountId, API_KEY_PATTERN, BoundedMemo, GatewayError, keyId, sha256Hex, type WireProtocol } from '@gw/common';
import type { ApiKeyAuthRecord } from '@gw/db';
import { ApiKeyCache } from '@gw/keys';
import type { ClientAddress } from '@gw/redis';
import { AuthFailureLimiter } from '../middleware/auth-failure.limiter';
import type { Caller, ProxyRoute, RequestContext } from '../context/request-context';

/** Where a client may put its key: a header, or (Gemini's `?key=`) a query parameter. */
export type KeySource = 'authorization' | 'x-api-key' | 'x-goog-api-key' | 'query:key';

/**
 * Each protocol's key sources, in order of precedence: the first one the request carries is its key, whatever it
 * holds (spec/proxy.md "Authentication", spec/protocols.md "Gemini"). `Authorization` wins everywhere.
 */
export const KEY_SOURCES: Readonly<Record<WireProtocol, readonly KeySource[]>> = {
  openai: ['authorization', 'x-api-key'],
  anthropic: ['authorization', 'x-api-key'],
  gemini: ['authorization', 'x-goog-api-key', 'query:key'],
};

/** What the key is read from: the request's headers (parsed and raw) and its parsed query string. */
export interface KeyCarrier {
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  query: unknown;
}

/**
 * The key a request carries for its protocol (KEY_SOURCES), or null when it carries nothing usable. A bearer token is
 * the token (another Authorization scheme is taken as sent, to fail as a key); header values are trimmed; a source
 * sent twice (two Authorization headers, `?key=a&key=b`) has no one key.
 */
export function extractApiKey(protocol: WireProtocol, request: KeyCarrier): string | null {
  for (const source of KEY_SOURCES[protocol]) {
    const value = source === 'query:key' ? (request.query as Record<string, unknown> | undefined)?.key : request.headers[source];
    if (value === undefined || value === '') continue;
    // Node keeps only the first of repeated Authorization headers: a request that sends two has no one key.
    if (typeof value !== 'string' || (source === 'authorization' && isRepeated(request.rawHeaders, source))) return null;
    if (source !== 'authorization') return value.trim();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
    return match ? match[1] : value;
  }
  return null;
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

/** Presented keys whose SHA-256 is kept. */
const KEY_HASH_CACHE_SIZE = 10_000;

/**
 * Stage 2, authenticate: who is calling. 401 for a key that is missing, malformed, unknown, revoked, disabled or
 * expired, or whose account is suspended: one message for all, so the answer tells an attacker nothing. 429 once the
 * client address guessed too often (AUTH_FAILURE_LIMIT), 503 when Redis cannot count guesses. Only a well-formed key
 * that exists nowhere counts as a guess: nothing else is one (a malformed key can never match and costs no lookup; a
 * revoked, disabled or expired key is a real key a misconfigured client keeps sending), and counting those would let
 * one such client lock every other client behind the same address (a NAT, an office) out. Only the key's SHA-256
 * is ever looked up; the lookup is a hash-map hit on the hash (no secret comparison that could leak timing). The
 * key's IP allow-list is the admit stage's (its 403 carries the X-RateLimit-* of every authenticated answer).
 */
@Injectable()
export class AuthenticateStage {
  /**
   * A presented key's SHA-256, computed once per key rather than on every request (a hash object, an update and a hex
   * digest): a key's hash never changes, and whether the key is still usable is the key cache's business, not this
   * memo's. It holds presented keys as a request does for its duration.
   */
  private readonly hashes = new BoundedMemo(KEY_HASH_CACHE_SIZE, sha256Hex);

  constructor(
    private readonly keys: ApiKeyCache,
    private readonly failures: AuthFailureLimiter,
  ) {}

  /**
   * The part that runs as soon as the headers are in, before the body is read: a request with nothing shaped like a
   * key is refused at once, so keyless traffic costs next to nothing. It guesses nothing, so it is not counted; a
   * blocked address still gets its 429.
   */
  async requireKey(context: RequestContext, apiKey: string | null, client: ClientAddress): Promise<void> {
    if (isWellFormedKey(apiKey)) return;
    await this.refusedIfBlocked(context, () => this.failures.assertNotBlocked(client));
    throw GatewayError.unauthenticated();
  }

  async authenticate(context: RequestContext, route: ProxyRoute, apiKey: string | null, client: ClientAddress): Promise<Caller> {
    const hash = isWellFormedKey(apiKey) ? this.hashes.get(apiKey) : null;
    const cached = hash ? this.keys.peek(hash) : undefined;
    // The hot path: no round trip; the admit stage checks this address's failure block with the key's window.
    if (isUsable(cached)) return callerOf(context, route, cached);
    // Before any database lookup, so that a blocked address cannot make us query keys.
    await this.refusedIfBlocked(context, () => this.failures.assertNotBlocked(client));
    const record = hash ? await this.keys.get(hash) : null;
    if (isUsable(record)) return callerOf(context, route, record);
    // A well-formed key that exists nowhere is a guess: counted (429 once the address reaches the limit).
    if (hash !== null && record === null) await this.refusedIfBlocked(context, () => this.failures.recordFailure(client));
    throw GatewayError.unauthenticated();
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

import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { sha256Hex } from '@gw/common';
import { RedisService } from '@gw/redis';

/** How long a dashboard session lasts (fixed, not sliding): an hour, then the token is asked for again. */
export const SESSION_TTL_S = 3_600;

/**
 * Browser sessions of the queue dashboard: a browser cannot send the staff token as a header when it navigates, so
 * the token is exchanged once for a random session id in an HttpOnly cookie. Redis keeps only the SHA-256 of the id
 * (shared by every admin instance), pointing at the staff member, who is checked again on every request.
 */
@Injectable()
export class QueueDashboardSessions {
  constructor(private readonly redis: RedisService) {}

  async create(staffId: string): Promise<string> {
    const sessionId = randomBytes(32).toString('base64url');
    await this.redis.client.set(this.keyOf(sessionId), staffId, 'EX', SESSION_TTL_S);
    return sessionId;
  }

  /** The staff id of a live session, or null. */
  async staffIdOf(sessionId: string): Promise<string | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) return null;
    return this.redis.client.get(this.keyOf(sessionId));
  }

  async destroy(sessionId: string): Promise<void> {
    await this.redis.client.del(this.keyOf(sessionId));
  }

  private keyOf(sessionId: string): string {
    return this.redis.key('queue-dashboard-session', sha256Hex(sessionId));
  }
}

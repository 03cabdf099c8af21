import { Injectable } from '@nestjs/common';
import { PrismaService } from '@gw/db';
import { RedisService } from '@gw/redis';
import { Lifecycle } from '../lifecycle/lifecycle';

const PROBE_TIMEOUT_MS = 1_000;

export interface Readiness {
  ready: boolean;
  status: 'ready' | 'unavailable' | 'draining';
  postgres: boolean;
  redis: boolean;
  draining: boolean;
}

/**
 * Whether this process should get traffic: PostgreSQL and Redis answer (each within a second) and it is not shutting
 * down. Each app's /readyz answers 200 or 503 with this body.
 */
@Injectable()
export class ReadinessProbe {
  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    private readonly lifecycle: Lifecycle,
  ) {}

  async check(): Promise<Readiness> {
    const [postgres, redis] = await Promise.all([answers(() => this.prisma.ping()), answers(() => this.redis.ping())]);
    const draining = this.lifecycle.draining;
    const ready = postgres && redis && !draining;
    return { ready, status: draining ? 'draining' : ready ? 'ready' : 'unavailable', postgres, redis, draining };
  }
}

async function answers(check: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS))),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

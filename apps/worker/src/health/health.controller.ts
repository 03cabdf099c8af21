import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PrismaService } from '@gw/db';
import { RedisService } from '@gw/redis';
import { GatewayWorker } from '../jobs/gateway-worker';

/** Liveness and readiness of the worker process. */
@Controller()
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    private readonly worker: GatewayWorker,
  ) {}

  @Get('healthz')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const [postgres, redis] = await Promise.all([probe(() => this.prisma.ping()), probe(() => this.redis.ping())]);
    const worker = this.worker.running;
    const ready = postgres && redis && worker;
    reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', postgres, redis, worker });
  }
}

async function probe(check: () => Promise<unknown>, timeoutMs = 1_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs))),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ReadinessProbe } from '@gw/observability';

/** Liveness and readiness for load balancers and orchestrators. No auth, no rate limit. */
@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessProbe) {}

  @Get('healthz')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 200 while PostgreSQL and Redis answer and the process is not shutting down; 503 otherwise. */
  @Get('readyz')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const { ready, status, postgres, redis } = await this.readiness.check();
    reply.status(ready ? 200 : 503).send({ status, postgres, redis });
  }
}

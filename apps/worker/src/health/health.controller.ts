import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ReadinessProbe } from '@gw/observability';
import { GatewayWorker } from '../jobs/gateway-worker';

/** Liveness and readiness of the worker process. */
@Controller()
export class HealthController {
  constructor(
    private readonly readiness: ReadinessProbe,
    private readonly worker: GatewayWorker,
  ) {}

  @Get('healthz')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 200 while PostgreSQL and Redis answer, the BullMQ worker runs and the process is not shutting down. */
  @Get('readyz')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const { ready, status, postgres, redis } = await this.readiness.check();
    const worker = this.worker.running;
    // A worker that stopped taking jobs (closing) is not ready either.
    const state = ready && !worker ? 'unavailable' : status;
    reply.status(ready && worker ? 200 : 503).send({ status: state, postgres, redis, worker });
  }
}

import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ReadinessProbe } from '@gw/observability';
import { Public } from '../middleware/roles.decorator';

/** Liveness and readiness for load balancers and orchestrators: outside /admin/v1, no staff token. */
@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessProbe) {}

  @Get('healthz')
  @ApiOperation({ summary: 'Liveness' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Redis reachable and not shutting down (503 otherwise)' })
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const { ready, status, postgres, redis } = await this.readiness.check();
    reply.status(ready ? 200 : 503).send({ status, postgres, redis });
  }
}

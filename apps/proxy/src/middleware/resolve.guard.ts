import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Admitted, reachedOf } from '../context/request-context';
import { ResolveStage } from '../pipeline/resolve.stage';
import { observeStage } from '../context/stage-timer';

/** The resolve stage (pipeline/resolve.stage.ts), on routes with a body; its output is the Resolved request. */
@Injectable()
export class ResolveGuard implements CanActivate {
  constructor(private readonly stage: ResolveStage) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const started = performance.now();
    try {
      request.gw.reached = await this.stage.resolve(reachedOf<Admitted>(request, 'rateLimit'), request.body, request.headers);
      return true;
    } finally {
      observeStage('resolve', started);
    }
  }
}

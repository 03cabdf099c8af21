import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { modelInPath } from '../models/model-path';
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
      const admitted = reachedOf<Admitted>(request, 'rateLimit');
      const pathModel = admitted.route.model === 'path' ? modelInPath(request) : undefined;
      request.gw.reached = await this.stage.resolve(admitted, request.body, request.headers, pathModel);
      return true;
    } finally {
      observeStage('resolve', started);
    }
  }
}

import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthenticateStage } from '../pipeline/authenticate.stage';
import { routeOf } from '../context/request-context';
import { observeStage } from '../context/stage-timer';
import { presentedKey } from './key-presence.hook';

/** The authenticate stage (pipeline/authenticate.stage.ts) on a gateway route; its output is the Caller. */
@Injectable()
export class AuthenticateGuard implements CanActivate {
  constructor(private readonly stage: AuthenticateStage) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const started = performance.now();
    try {
      const route = routeOf(request);
      const apiKey = presentedKey(request, route);
      request.gw.reached = await this.stage.authenticate(request.gw, route, apiKey, request);
      return true;
    } finally {
      observeStage('authenticate', started);
    }
  }
}


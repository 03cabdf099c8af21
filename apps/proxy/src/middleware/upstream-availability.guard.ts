import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CircuitBreakers } from '../upstream/circuit-breakers';

/**
 * The last check before money moves: a model none of whose channels can take a request (every circuit open, or none
 * configured) gets its 503 at once, with nothing reserved and no upstream call.
 */
@Injectable()
export class UpstreamAvailabilityGuard implements CanActivate {
  constructor(private readonly breakers: CircuitBreakers) {}

  canActivate(context: ExecutionContext): boolean {
    const model = context.switchToHttp().getRequest<FastifyRequest>().gw.model;
    if (model && !this.breakers.anyAvailable(model.channels)) throw this.breakers.unavailable(model);
    return true;
  }
}

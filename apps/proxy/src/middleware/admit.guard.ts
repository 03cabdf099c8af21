import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdmitStage, rateLimitHeaders } from '../pipeline/admit.stage';
import { reachedOf } from '../context/request-context';
import { observeStage } from '../context/stage-timer';

/** The admit stage (pipeline/admit.stage.ts): the rate-limit state goes on the reply, so errors and streams carry it. */
@Injectable()
export class AdmitGuard implements CanActivate {
  constructor(private readonly stage: AdmitStage) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const started = performance.now();
    try {
      const admitted = await this.stage.admit(reachedOf(request), request, http.getResponse<FastifyReply>().raw);
      request.gw.reached = admitted;
      http.getResponse<FastifyReply>().headers(rateLimitHeaders(admitted.rateLimit));
      return true;
    } finally {
      observeStage('admit', started);
    }
  }
}

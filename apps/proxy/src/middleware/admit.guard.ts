import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdmitStage, rateLimitHeaders } from '../pipeline/admit.stage';
import { ProxyRoute, reachedOf } from '../context/request-context';
import { modelInPath } from '../models/model-path';
import { observeStage } from '../context/stage-timer';

/**
 * The model a request names, for the rate limit of its account on that model: the body's `model`, or the path on
 * routes that name it there (Gemini); none on routes without a body (the lookups). Only read here: the resolve stage
 * validates the body and answers for a missing or bad name.
 */
export function namedModel(route: ProxyRoute, request: FastifyRequest): string | undefined {
  if (!route.body) return undefined;
  if (route.model === 'path') return modelInPath(request);
  const model = (request.body as { model?: unknown } | null | undefined)?.model;
  return typeof model === 'string' ? model : undefined;
}

/** The admit stage (pipeline/admit.stage.ts): the rate-limit state goes on the reply, so errors and streams carry it. */
@Injectable()
export class AdmitGuard implements CanActivate {
  constructor(private readonly stage: AdmitStage) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const started = performance.now();
    try {
      const caller = reachedOf(request);
      const admitted = await this.stage.admit(caller, request, http.getResponse<FastifyReply>().raw, namedModel(caller.route, request));
      request.gw.reached = admitted;
      http.getResponse<FastifyReply>().headers(rateLimitHeaders(admitted.rateLimit));
      return true;
    } finally {
      observeStage('admit', started);
    }
  }
}

import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdmitStage, rateLimitHeaders } from '../pipeline/admit.stage';
import { ProxyRoute, reachedOf } from '../context/request-context';
import { modelInPath } from '../models/model-path';
import { observeStage } from '../context/stage-timer';
import { bodyProblemOf, raiseBodyProblem } from '../validation/body-problem';

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

/**
 * The admit stage (pipeline/admit.stage.ts): the rate-limit state goes on the reply, so errors and streams carry it.
 * Then, on every gateway route, the problem the body parser found in the request's body, if any (400/413): refused
 * only now, so that a bad key gets its 401 first and a bad body is counted and answered with X-RateLimit-*.
 */
@Injectable()
export class AdmitGuard implements CanActivate {
  constructor(private readonly stage: AdmitStage) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const started = performance.now();
    try {
      const caller = reachedOf(request);
      // A body with a problem is refused just below: nothing of it is estimated.
      const body = bodyProblemOf(request) === null ? request.body : undefined;
      const admitted = await this.stage.admit(caller, request, reply.raw, namedModel(caller.route, request), body);
      request.gw.reached = admitted;
      reply.headers(rateLimitHeaders(admitted.rateLimit));
    } finally {
      observeStage('admit', started);
    }
    raiseBodyProblem(request, reply);
    return true;
  }
}

import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, Observable, tap, throwError } from 'rxjs';
import { Held, reachedOf, Resolved } from '../context/request-context';
import { ReserveStage } from '../pipeline/reserve.stage';
import { SettleStage } from '../pipeline/settle.stage';
import { observeStage } from '../context/stage-timer';
import type { RelayResult } from '../relay/relay-result';

/**
 * The reserve stage before the handler and the settle stage after it, whatever the handler did (pipeline/reserve.stage.ts,
 * pipeline/settle.stage.ts), on billable routes. Settlement runs after the response is sent and never delays it.
 */
@Injectable()
export class BillingInterceptor implements NestInterceptor {
  constructor(
    private readonly reserve: ReserveStage,
    private readonly settle: SettleStage,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const started = performance.now();
    let held: Held;
    try {
      held = await this.reserve.reserve(reachedOf<Resolved>(request, 'model'));
    } finally {
      observeStage('reserve', started);
    }
    request.gw.reached = held;
    // The key's tokens per minute, now with this request's estimate taken.
    const tokens = held.rateLimit.tokens;
    if (tokens) context.switchToHttp().getResponse<FastifyReply>().header('x-ratelimit-remaining-tokens', String(tokens.remaining));
    return next.handle().pipe(
      tap((result) => {
        const settling = performance.now();
        void this.settle.settle(held, result as RelayResult).then(() => observeStage('settle', settling));
      }),
      catchError((error: unknown) => {
        this.settle.settleFailure(held, error);
        return throwError(() => error);
      }),
    );
  }
}

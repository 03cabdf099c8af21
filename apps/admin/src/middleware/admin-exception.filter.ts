import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendAdminError } from './error-response';

/** Every error of the admin API, from any layer (unknown routes included), in the one error format. */
@Catch()
export class AdminExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendAdminError(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), exception);
  }
}

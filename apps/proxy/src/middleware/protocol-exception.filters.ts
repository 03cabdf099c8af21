import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WireProtocol } from '@gw/common';
import { sendError } from './error-response';

abstract class ProtocolExceptionFilter implements ExceptionFilter {
  protected abstract readonly protocol: WireProtocol | undefined;

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), exception, this.protocol);
  }
}

/** Errors of `/v1/*` routes: `{ error: { message, type, code } }`. */
@Catch()
export class OpenAiErrorFilter extends ProtocolExceptionFilter {
  protected readonly protocol = 'openai' as const;
}

/** Errors of `/anthropic/*` routes: `{ type: 'error', error: { type, message } }`. */
@Catch()
export class AnthropicErrorFilter extends ProtocolExceptionFilter {
  protected readonly protocol = 'anthropic' as const;
}

/** Errors of `/gemini/*` routes: `{ error: { code, message, status } }` (Google's status names). */
@Catch()
export class GeminiErrorFilter extends ProtocolExceptionFilter {
  protected readonly protocol = 'gemini' as const;
}

/** Each protocol's filter, for the routes that speak it. */
export const ERROR_FILTER_BY_PROTOCOL: Readonly<Record<WireProtocol, new () => ProtocolExceptionFilter>> = {
  openai: OpenAiErrorFilter,
  anthropic: AnthropicErrorFilter,
  gemini: GeminiErrorFilter,
};

/** Everything else (unknown routes, errors outside controllers): the protocol is read off the URL. */
@Catch()
export class GlobalExceptionFilter extends ProtocolExceptionFilter {
  protected readonly protocol = undefined;
}

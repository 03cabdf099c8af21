import type { FastifyInstance } from 'fastify';

export const RETRY_AFTER_MS_HEADER = 'retry-after-ms';

/** A Retry-After value (delay in seconds, or an HTTP date) as a delay in milliseconds; null when unreadable. */
export function retryAfterMs(value: string, now: number = Date.now()): number | null {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date names its day and month in words ("Wed, 21 Oct 2015 07:28:00 GMT").
  const at = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Puts `retry-after-ms` beside every `Retry-After` the proxy sends (429s, 503s, whichever layer refused), the same
 * delay in milliseconds: the official OpenAI and Anthropic SDKs read it before Retry-After.
 */
export function registerRetryAfterMs(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    const retryAfter = reply.getHeader('retry-after');
    if (retryAfter !== undefined && !reply.hasHeader(RETRY_AFTER_MS_HEADER)) {
      const ms = retryAfterMs(String(retryAfter));
      if (ms !== null) reply.header(RETRY_AFTER_MS_HEADER, String(ms));
    }
    done(null, payload);
  });
}

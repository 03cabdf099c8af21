import { createParser, EventSourceMessage } from 'eventsource-parser';
import { GatewayError, GatewayShutdownError } from '@gw/common';
import type { RequestContext } from '../context/request-context';
import { toGatewayError } from '../context/gateway-errors';
import { AttemptLimits, classifyTransportError, ClientGoneError } from './upstream-errors';
import type { UpstreamResponse } from './upstream-client';
import type { ClientResponse } from './client-response';
import type { RelayResult } from './relay-result';
import type { StreamDialect } from './stream-dialect';

const DECODE_STREAMING = { stream: true } as const;
const INCOMPLETE = 'The upstream provider closed the stream before it was complete';

/** A failure of the upstream body once it has started: a timeout stays a timeout, anything else is a cut stream. */
function midStreamFailure(error: unknown, limits: AttemptLimits): GatewayError {
  if (error instanceof GatewayError) return error;
  const classified = classifyTransportError(error, limits);
  if (classified instanceof GatewayError && classified.status === 504) return classified;
  return GatewayError.upstream(INCOMPLETE);
}

/**
 * Relays a provider's event stream to the client, for any protocol (the dialect knows the events):
 * - frames are passed on as they come, one write per upstream chunk, waiting for the client when its buffer is full;
 * - the SSE headers go out with the first frame, so a stream that fails before it is a plain HTTP error (and the
 *   whole reservation is released), and a client that leaves before it pays nothing;
 * - the client leaving aborts the upstream call; the upstream failing mid-stream (cut, timeout, error event) gets the
 *   protocol's error event; both settle on what the client received;
 * - a complete stream settles on the usage the provider reported in its final events;
 * - the gateway's own shutdown cutting the stream (past SHUTDOWN_GRACE_MS) is recorded as such, not as the provider's.
 * While it runs, `context.delivered` tells the hold's heartbeat what the client has received so far.
 * The response is always ended, whatever happens.
 */
export async function relayStream(
  context: RequestContext,
  response: UpstreamResponse,
  client: ClientResponse,
  dialect: StreamDialect,
): Promise<RelayResult> {
  const stopUpstream = () => response.abort(new ClientGoneError());
  client.signal.addEventListener('abort', stopUpstream, { once: true });
  context.delivered = () => dialect.deliveredUsage();
  let pending = '';
  let failure: GatewayError | null = null;
  const parser = createParser({
    onEvent: (event: EventSourceMessage) => {
      if (failure !== null || dialect.finished) return;
      try {
        pending += dialect.onEvent(event);
      } catch (error) {
        failure = toGatewayError(error);
      }
    },
  });

  const decoder = new TextDecoder();
  const timing = context.timing;
  // Set once the client has the provider's final event and the end of the response: the stream is then complete,
  // whatever happens while the rest of the upstream body is read (normally nothing; reading it lets the connection go
  // back to the pool instead of being torn down).
  let delivered = false;
  try {
    for await (const bytes of response.body) {
      timing.upstreamFirstByteAt ??= performance.now();
      parser.feed(decoder.decode(bytes as Uint8Array, DECODE_STREAMING));
      if (pending.length > 0) {
        const text = pending;
        pending = '';
        client.start(dialect.contentType);
        await client.write(text);
      }
      if (dialect.finished && !delivered && !client.closed) {
        client.start(dialect.contentType);
        client.end();
        delivered = true;
      }
      if (failure !== null || (client.closed && !delivered)) break;
    }
    if (!delivered && failure === null && !client.closed) failure = GatewayError.upstream(INCOMPLETE);
  } catch (error) {
    if (!delivered && failure === null && !client.closed) failure = midStreamFailure(error, response.limits);
  } finally {
    client.signal.removeEventListener('abort', stopUpstream);
  }

  if (delivered) {
    const reported = dialect.reportedUsage();
    const finishReason = dialect.finishReason();
    if (reported) return { status: 200, outcome: 'completed', usage: reported, usageEstimated: false, inputReported: true, errorType: null, finishReason };
    return cutShort(dialect, 'completed', null);
  }
  if (client.closed) {
    response.abort(new ClientGoneError());
    if (!client.started) throw new ClientGoneError();
    return cutShort(dialect, 'client_aborted', null);
  }
  const error: GatewayError = failure ?? GatewayError.upstream(INCOMPLETE);
  response.abort(error);
  if (!client.started) throw error;
  await client.write(dialect.errorEvent(error));
  client.end();
  return cutShort(dialect, error instanceof GatewayShutdownError ? 'gateway_shutdown' : 'upstream_dropped', error.type);
}

/** Settled on what the client received (the provider's counts where it reported them, the gateway's for the rest). */
function cutShort(dialect: StreamDialect, outcome: RelayResult['outcome'], errorType: string | null): RelayResult {
  const { usage, inputReported } = dialect.deliveredUsage();
  return { status: 200, outcome, usage, usageEstimated: true, inputReported, errorType, finishReason: dialect.finishReason() };
}

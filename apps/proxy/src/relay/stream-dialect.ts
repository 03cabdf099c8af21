import type { EventSourceMessage } from 'eventsource-parser';
import type { TokenUsage } from '@gw/billing';
import { GatewayError } from '@gw/common';

/**
 * What differs between the protocols' event streams; one per request (it keeps that stream's tally). The stream relay
 * does the rest (reading, back-pressure, client gone, upstream cut, error event, settlement) the same for every
 * protocol.
 */
export interface StreamDialect {
  /**
   * Reads one upstream event and returns the SSE text for the client ('' to send nothing). Throws a GatewayError when
   * the event is invalid or reports a failure.
   */
  onEvent(event: EventSourceMessage): string;
  /** The stream's content type for the client, when not an event stream (Gemini's streamed JSON array). */
  readonly contentType?: string;
  /** True once the provider's final event has been read. */
  readonly finished: boolean;
  /** The protocol's own in-stream error event. */
  errorEvent(error: GatewayError): string;
  /** The usage the provider reported for the whole stream, or null when it reported none. */
  reportedUsage(): TokenUsage | null;
  /**
   * The usage of what the client has received so far (a stream cut short, a heartbeat): what the provider reported
   * where it did, the output counted by the gateway as it went (each delta on arrival, never the whole text at once).
   */
  deliveredUsage(): DeliveredUsage;
  /** The provider's stop reason once the stream carried one (relay/finish-reason.ts), else null. */
  finishReason(): string | null;
}

/**
 * What a stream has delivered. The provider may not have reported the input yet (OpenAI reports usage only at the end
 * of a stream): `usage.inputTokens` is then 0 and `inputReported` false, and the settlement counts the input itself.
 */
export interface DeliveredUsage {
  usage: TokenUsage;
  inputReported: boolean;
}

/** One SSE frame; `data` may span lines (each gets its own `data:` field, as the format requires). */
export function sseFrame(event: string | undefined, data: string): string {
  const body = data.includes('\n') ? data.split('\n').join('\ndata: ') : data;
  return event === undefined ? `data: ${body}\n\n` : `event: ${event}\ndata: ${body}\n\n`;
}

/** An event's JSON data as an object; an upstream failure (502) when it is not one. */
export function parseEventData<T extends object>(data: string): T {
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    throw GatewayError.upstream('The upstream provider sent an invalid stream event');
  }
  if (typeof event !== 'object' || event === null) {
    throw GatewayError.upstream('The upstream provider sent an invalid stream event');
  }
  return event as T;
}

/**
 * What a stream that reports its usage only at its end (OpenAI's) has delivered: the provider's count once it came,
 * until then the output the gateway counted and no input (the settlement counts it).
 */
export function deliveredSoFar(reported: TokenUsage | null, deliveredOutputTokens: number): DeliveredUsage {
  if (reported) return { usage: reported, inputReported: true };
  return {
    usage: { inputTokens: 0, outputTokens: deliveredOutputTokens, cachedInputTokens: 0, cacheWriteTokens: 0 },
    inputReported: false,
  };
}

import type { StreamEvent } from '../model';
import type { SseEvent } from './sse';

/** A provider's stream -> internal events; one per stream (it keeps that stream's state). */
export interface StreamDecoder {
  /** Reads one provider event and appends what it says to `out`. Throws ProviderStreamError on a provider error. */
  decode(event: SseEvent, out: StreamEvent[]): void;
}

/** Internal events -> a client's stream; one per stream. */
export interface StreamEncoder {
  /** The client's SSE text for one event ('' for nothing). */
  encode(event: StreamEvent): string;
  /** The text that ends the client's stream with its protocol's error event, after a failure mid-stream. */
  fail(error: StreamFailure): string;
}

/** A failure to report mid-stream (the shape of @gw/common's ErrorView). */
export interface StreamFailure {
  status: number;
  type: string;
  message: string;
}

export type { ResponseEncodeOptions as StreamEncodeOptions } from './response-options';

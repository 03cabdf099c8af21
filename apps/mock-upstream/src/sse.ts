import type { OutgoingHttpHeaders } from 'node:http';
import type { Exchange } from './exchange';
import { after } from './http-io';

export const SSE_HEADERS: OutgoingHttpHeaders = Object.freeze({
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
});

export function sseData(json: string): string {
  return `data: ${json}\n\n`;
}

export function sseEvent(type: string, json: string): string {
  return `event: ${type}\ndata: ${json}\n\n`;
}

/**
 * A complete stream as a sequence of frames, built one at a time on demand so that long answers cost no memory:
 * `head` frames, then `content` frames (one per token), then the closing frames.
 */
export interface FrameSource {
  readonly head: number;
  readonly content: number;
  readonly length: number;
  frame(i: number): string;
  /** The provider's in-stream error, sent in place of frame `i` (`mock:fail_after`); nothing follows it. */
  failure(i: number): string;
}

export interface StreamOptions {
  readonly chunkDelayMs: number;
  /** Break the connection after this many content frames, before any closing frame. */
  readonly dropAfter: number | undefined;
  /** Send the provider's in-stream error after this many content frames and end the response. */
  readonly failAfter: number | undefined;
}

// Without pauses, frames are written in batches: one write per response for the common short answers.
const BATCH_CHARS = 16 * 1024;

/**
 * Writes the streamed response: status 200, every frame, then the end of the response, or, when a marker cuts the
 * stream, a dropped connection (drop_after) or the provider's error frame (fail_after, which wins a tie).
 */
export function streamFrames(
  x: Exchange,
  src: FrameSource,
  { chunkDelayMs, dropAfter, failAfter }: StreamOptions,
  headers: OutgoingHttpHeaders = SSE_HEADERS,
): void {
  const { res } = x;
  if (res.destroyed) return;
  const cutAfter = Math.min(dropAfter ?? Infinity, failAfter ?? Infinity);
  const end = cutAfter === Infinity ? src.length : src.head + Math.min(cutAfter, src.content);
  const fail = failAfter !== undefined && failAfter === cutAfter;
  const finish = (last: string): void => {
    if (fail) res.end(last + src.failure(end));
    else if (cutAfter !== Infinity) x.dropAfter(last);
    else res.end(last);
  };
  let i = 0;
  res.writeHead(200, headers);

  if (chunkDelayMs > 0) {
    const step = (): void => {
      if (i >= end) return finish('');
      const frame = src.frame(i++);
      if (i >= end) return finish(frame);
      res.write(frame);
      after(res, chunkDelayMs, step);
    };
    return step();
  }

  const burst = (): void => {
    let batch = '';
    while (i < end) {
      batch += src.frame(i++);
      if (batch.length >= BATCH_CHARS && i < end) {
        const flushed = res.write(batch);
        batch = '';
        if (!flushed) return void res.once('drain', burst);
      }
    }
    finish(batch);
  };
  burst();
}

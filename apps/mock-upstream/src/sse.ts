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
 * A complete stream as a sequence of SSE frames, built one at a time on demand so that long answers cost no memory:
 * `head` frames, then `content` frames (one per token), then the closing frames.
 */
export interface FrameSource {
  readonly head: number;
  readonly content: number;
  readonly length: number;
  frame(i: number): string;
}

export interface StreamOptions {
  readonly chunkDelayMs: number;
  /** Break the connection after this many content frames, before any closing frame. */
  readonly dropAfter: number | undefined;
}

// Without pauses, frames are written in batches: one write per response for the common short answers.
const BATCH_CHARS = 16 * 1024;

/** Writes the SSE response: status 200, every frame, then either the end of the response or a dropped connection. */
export function streamFrames(x: Exchange, src: FrameSource, { chunkDelayMs, dropAfter }: StreamOptions): void {
  const { res } = x;
  if (res.destroyed) return;
  const drop = dropAfter !== undefined;
  const end = drop ? src.head + Math.min(dropAfter, src.content) : src.length;
  const finish = (last: string): void => {
    if (drop) x.dropAfter(last);
    else res.end(last);
  };
  let i = 0;
  res.writeHead(200, SSE_HEADERS);

  if (chunkDelayMs > 0) {
    const step = (): void => {
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

/** A response body read to its end, and when (ms after the request left) its first content arrived, if it did. */
export interface TimedBody {
  text: string;
  firstMs: number | null;
}

/**
 * Reads a body chunk by chunk and notes the moment the bytes of `marker` (what opens a content chunk of a stream)
 * have first all arrived: the time to first content, what a chat user waits for. The marker may straddle network
 * chunks, so each chunk is searched together with the tail of the one before. Timed from `startedNs`
 * (process.hrtime.bigint() when the request was handed to the client), as the last byte is.
 */
export async function readTimedBody(
  body: AsyncIterable<Uint8Array>,
  marker: string,
  startedNs: bigint,
): Promise<TimedBody> {
  const needle = Buffer.from(marker);
  const chunks: Buffer[] = [];
  let tail: Buffer = Buffer.alloc(0);
  let firstMs: number | null = null;
  for await (const part of body) {
    const chunk = Buffer.isBuffer(part) ? part : Buffer.from(part);
    chunks.push(chunk);
    if (firstMs !== null) continue;
    const window = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
    if (window.includes(needle)) {
      firstMs = Number(process.hrtime.bigint() - startedNs) / 1e6;
      continue;
    }
    // Keep just enough of the end to complete a marker that the next chunk finishes.
    tail = window.subarray(Math.max(0, window.length - (needle.length - 1)));
  }
  return { text: Buffer.concat(chunks).toString('utf8'), firstMs };
}

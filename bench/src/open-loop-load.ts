import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { RunResult } from './run-result';
import { SampleBuffer, summarize } from './stats';
import { readTimedBody } from './timed-body';
import type { BenchRequest } from './workload';

export interface OpenLoopOptions {
  baseUrl: string;
  request: BenchRequest;
  /** Requests per second. */
  rate: number;
  durationS: number;
  verify: (body: string) => boolean;
  /**
   * Streams: what opens a content chunk. When given, each body is read chunk by chunk and the time to its first
   * content chunk is recorded too (RunResult.firstByte), for the same verified responses as the last-byte latency.
   */
  firstChunkMarker?: string;
}

const NS_PER_S = 1_000_000_000;

/**
 * A fixed arrival rate, open loop: request i leaves at start + i/rate whatever happened to the previous ones, over a
 * keep-alive pool with enough connections that none waits for another. (autocannon's overallRate is not this: each
 * connection sends its share of a second back to back and then idles, so latency would be measured in bursts.)
 * Each request is timed with process.hrtime from the moment it is handed to the client until its last body byte.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<RunResult> {
  const pool = new Pool(options.baseUrl, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
  const latencies = new SampleBuffer();
  const firstBytes = new SampleBuffer();
  const { firstChunkMarker } = options;
  const statusCodes: Record<string, number> = {};
  let non2xx = 0;
  let errors = 0;
  let mismatches = 0;
  let bodyBytes = 0;
  let responses2xx = 0;
  const inFlight = new Set<Promise<void>>();
  const { method, path, headers, body } = options.request;

  const send = async (): Promise<void> => {
    const started = process.hrtime.bigint();
    try {
      const response = await pool.request({ method, path, headers, body, headersTimeout: 30_000, bodyTimeout: 30_000 });
      const timed = firstChunkMarker ? await readTimedBody(response.body, firstChunkMarker, started) : null;
      const text = timed ? timed.text : await response.body.text();
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      statusCodes[response.statusCode] = (statusCodes[response.statusCode] ?? 0) + 1;
      if (response.statusCode < 200 || response.statusCode >= 300) {
        non2xx++;
        return;
      }
      responses2xx++;
      bodyBytes += Buffer.byteLength(text);
      // A verified stream has content chunks, so it has a first-content time.
      if (!options.verify(text) || timed?.firstMs === null) {
        mismatches++;
        return;
      }
      latencies.push(elapsedMs);
      if (timed) firstBytes.push(timed.firstMs);
    } catch {
      errors++;
    }
  };

  const total = Math.max(1, Math.round(options.rate * options.durationS));
  const intervalNs = NS_PER_S / options.rate;
  const start = process.hrtime.bigint();
  let sent = 0;
  try {
    while (sent < total) {
      const now = Number(process.hrtime.bigint() - start);
      // Send everything that is due (timers wake up late by up to a millisecond or so), then sleep until the next.
      while (sent < total && sent * intervalNs <= now) {
        const request = send();
        inFlight.add(request);
        void request.finally(() => inFlight.delete(request));
        sent++;
      }
      // Never spin: a busy generator would steal CPU from the targets on a small machine. Lateness here shifts when a
      // request leaves, not its measured latency (timed from the moment it is handed to the client).
      if (sent < total) await sleep(Math.max(1, Math.round((sent * intervalNs - now) / 1e6)));
    }
    const sendingS = Number(process.hrtime.bigint() - start) / NS_PER_S;
    await Promise.all(inFlight);
    const durationS = Number(process.hrtime.bigint() - start) / NS_PER_S;
    return {
      durationS,
      ok: latencies.length,
      rps: latencies.length / durationS,
      latency: summarize(latencies.values()),
      ...(firstChunkMarker ? { firstByte: summarize(firstBytes.values()) } : {}),
      non2xx,
      errors,
      mismatches,
      statusCodes,
      bytesPerResponse: responses2xx > 0 ? bodyBytes / responses2xx : 0,
      offeredRate: options.rate,
      sentRate: total > 1 ? (total - 1) / sendingS : options.rate,
    };
  } finally {
    await pool.close();
  }
}

import autocannon from 'autocannon';
import type { RunResult } from './run-result';
import { SampleBuffer, summarize } from './stats';
import type { BenchRequest } from './workload';

export interface ClosedLoopOptions {
  baseUrl: string;
  request: BenchRequest;
  connections: number;
  durationS: number;
  verify: (body: string) => boolean;
}

/**
 * Fixed concurrency with autocannon: each connection sends its next request as soon as the previous answer is
 * complete, so the target runs at its saturation throughput. autocannon's own latency histogram has whole
 * milliseconds only, so latencies are taken from its per-response event (hrtime-based, fractional ms).
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<RunResult> {
  const latencies = new SampleBuffer();
  const statusCodes: Record<string, number> = {};
  let bytes = 0;
  let responses2xx = 0;
  let mismatches = 0;

  const instance = autocannon({
    url: options.baseUrl,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationS,
    timeout: 30,
    requests: [
      {
        method: options.request.method,
        path: options.request.path,
        headers: options.request.headers,
        body: options.request.body,
      },
    ],
    verifyBody: (body: string) => {
      const ok = options.verify(body);
      if (!ok) mismatches++;
      return ok;
    },
  });
  instance.on('response', (_client: unknown, statusCode: number, resBytes: number, responseTime: number) => {
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) {
      responses2xx++;
      bytes += resBytes;
      latencies.push(responseTime);
    }
  });
  const result = await instance;
  const ok = Math.max(0, responses2xx - mismatches);
  return {
    durationS: result.duration,
    ok,
    rps: ok / result.duration,
    latency: summarize(latencies.values()),
    non2xx: result.non2xx,
    errors: result.errors,
    mismatches,
    statusCodes,
    bytesPerResponse: responses2xx > 0 ? bytes / responses2xx : 0,
  };
}

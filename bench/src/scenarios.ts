import type { BenchConfig, ScenarioName } from './bench-config';
import { runClosedLoop } from './closed-loop-load';
import { runOpenLoop } from './open-loop-load';
import type { RunResult } from './run-result';
import { type BenchRequest, CONTENT_CHUNK_MARKER, chatRequest, responseVerifier } from './workload';

export interface Scenario {
  name: ScenarioName;
  title: string;
  /** How the load is shaped, for the report. */
  shape: string;
  stream: boolean;
  /** The mock's pause between stream frames for this scenario (0: the whole answer at once). */
  chunkDelayMs: number;
  run(baseUrl: string, request: BenchRequest, durationS: number): Promise<RunResult>;
}

export function scenarios(config: BenchConfig): Scenario[] {
  const all: Scenario[] = [
    {
      name: 'saturation',
      title: 'Non-streaming chat completions at saturation',
      shape: `closed loop, ${config.connections} connections (autocannon), ${config.outputTokens} output tokens`,
      stream: false,
      chunkDelayMs: 0,
      run: (baseUrl, request, durationS) =>
        runClosedLoop({
          baseUrl,
          request,
          durationS,
          connections: config.connections,
          verify: responseVerifier(config.outputTokens, false),
        }),
    },
    {
      name: 'fixed-rate',
      title: `Non-streaming chat completions at a fixed ${config.rate} requests/s`,
      shape: `open loop, one request every ${(1000 / config.rate).toFixed(2)} ms (undici pool, hrtime per request)`,
      stream: false,
      chunkDelayMs: 0,
      run: (baseUrl, request, durationS) =>
        runOpenLoop({ baseUrl, request, durationS, rate: config.rate, verify: responseVerifier(config.outputTokens, false) }),
    },
    {
      name: 'streaming',
      title: `Streaming chat completions (${config.outputTokens} content chunks) at saturation`,
      shape:
        `closed loop, ${config.streamConnections} connections (autocannon); each response checked for ` +
        `${config.outputTokens} content chunks and [DONE]`,
      stream: true,
      chunkDelayMs: 0,
      run: (baseUrl, request, durationS) =>
        runClosedLoop({
          baseUrl,
          request,
          durationS,
          connections: config.streamConnections,
          verify: responseVerifier(config.outputTokens, true),
        }),
    },
    {
      name: 'streaming-fixed-rate',
      title: `Streaming chat completions at a fixed ${config.streamRate} streams/s: time to first content chunk`,
      shape:
        `open loop, one stream every ${(1000 / config.streamRate).toFixed(2)} ms; the mock pauses ` +
        `${config.streamChunkDelayMs} ms between frames (\`mock:chunk_delay_ms\`); each stream timed to its first ` +
        `content chunk and to its last byte, and checked for ${config.outputTokens} content chunks and [DONE]`,
      stream: true,
      chunkDelayMs: config.streamChunkDelayMs,
      run: (baseUrl, request, durationS) =>
        runOpenLoop({
          baseUrl,
          request,
          durationS,
          rate: config.streamRate,
          verify: responseVerifier(config.outputTokens, true),
          firstChunkMarker: CONTENT_CHUNK_MARKER,
        }),
    },
  ];
  return all.filter((scenario) => config.scenarios.includes(scenario.name));
}

export function requestFor(
  scenario: Scenario,
  apiKey: string,
  config: BenchConfig,
  extraHeaders: Record<string, string>,
): BenchRequest {
  return chatRequest(
    apiKey,
    config.outputTokens,
    scenario.stream,
    extraHeaders,
    undefined,
    config.promptWords,
    scenario.chunkDelayMs,
  );
}

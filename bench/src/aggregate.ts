import type { ScenarioName, TargetName } from './bench-config';
import type { CpuPerRequest } from './cpu-meter';
import { failures, type RunResult } from './run-result';
import { median } from './stats';

export interface Measurement {
  target: TargetName;
  scenario: ScenarioName;
  round: number;
  result: RunResult;
  cpu: CpuPerRequest;
  /** 1-minute load average right after the run: how much else was competing for the cores. */
  loadAverage: number;
}

/** One target in one scenario over all rounds: medians of the rounds' figures, failures added up. */
export interface Aggregate {
  rounds: number;
  rps: number;
  rpsMin: number;
  rpsMax: number;
  mean: number;
  p50: number;
  p99: number;
  /** Time to first content chunk (streaming-fixed-rate only; NaN elsewhere). */
  firstByteMean: number;
  firstByteP50: number;
  firstByteP99: number;
  sentRate: number;
  failures: number;
  requests: number;
  bytesPerResponse: number;
  cpuTarget: number;
  cpuMock: number;
  cpuPostgres: number;
  cpuRedis: number;
}

export function aggregate(measurements: Measurement[]): Aggregate | null {
  if (measurements.length === 0) return null;
  const results = measurements.map((m) => m.result);
  const rps = results.map((r) => r.rps);
  return {
    rounds: results.length,
    rps: median(rps),
    rpsMin: Math.min(...rps),
    rpsMax: Math.max(...rps),
    mean: median(results.map((r) => r.latency.mean)),
    p50: median(results.map((r) => r.latency.p50)),
    p99: median(results.map((r) => r.latency.p99)),
    firstByteMean: median(results.map((r) => r.firstByte?.mean ?? Number.NaN)),
    firstByteP50: median(results.map((r) => r.firstByte?.p50 ?? Number.NaN)),
    firstByteP99: median(results.map((r) => r.firstByte?.p99 ?? Number.NaN)),
    sentRate: median(results.map((r) => r.sentRate ?? Number.NaN)),
    failures: results.reduce((sum, r) => sum + failures(r), 0),
    requests: results.reduce((sum, r) => sum + r.ok, 0),
    bytesPerResponse: median(results.map((r) => r.bytesPerResponse)),
    cpuTarget: median(measurements.map((m) => m.cpu.target ?? Number.NaN)),
    cpuMock: median(measurements.map((m) => m.cpu.mock ?? Number.NaN)),
    cpuPostgres: median(measurements.map((m) => m.cpu.postgres ?? Number.NaN)),
    cpuRedis: median(measurements.map((m) => m.cpu.redis ?? Number.NaN)),
  };
}

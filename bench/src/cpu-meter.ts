import type { BenchConfig } from './bench-config';
import type { ChildApp } from './child-app';
import { databaseBackendPids, processCpuMs, totalCpuMs } from './process-cpu';
import { redisCommandUsec } from './redis-tools';
import type { Target } from './targets';

/** CPU time per completed request during one run, in µs: what a request costs, whatever the machine's noise. */
export interface CpuPerRequest {
  /** The target's own process (for (a), the mock upstream). */
  target: number | null;
  /** The mock upstream process (the same work for every target). */
  mock: number | null;
  /** The proxy only: its PostgreSQL backends (reservation, settlement, usage record). */
  postgres?: number | null;
  /** The proxy only: Redis command time (machine-wide, so an upper bound). */
  redis?: number | null;
}

/**
 * Reads process CPU times before and after a run. On a 2-core machine the proxy's throughput is bounded by its own
 * CPU and by its databases' CPU on the same cores, so both are reported.
 */
export class CpuMeter {
  private constructor(
    private readonly config: BenchConfig,
    private readonly targetPid: number | undefined,
    private readonly mockPid: number | undefined,
    private readonly postgresPids: number[] | null,
    private readonly before: { target: number | null; mock: number | null; postgres: number | null; redis: number | null },
  ) {}

  static async start(target: Target, mock: ChildApp, config: BenchConfig): Promise<CpuMeter> {
    const targetPid = target.app?.child.pid ?? mock.child.pid;
    const mockPid = mock.child.pid;
    const withDatabases = target.name === 'proxy';
    const postgresPids = withDatabases ? await databaseBackendPids(config.databaseUrl).catch(() => null) : null;
    const before = {
      target: targetPid ? processCpuMs(targetPid) : null,
      mock: mockPid ? processCpuMs(mockPid) : null,
      postgres: postgresPids ? totalCpuMs(postgresPids) : null,
      redis: withDatabases ? await redisCommandUsec(config.redisUrl).catch(() => null) : null,
    };
    return new CpuMeter(config, targetPid, mockPid, postgresPids, before);
  }

  async perRequest(requests: number): Promise<CpuPerRequest> {
    const per = (ms: number | null, start: number | null) =>
      ms === null || start === null || requests === 0 ? null : ((ms - start) * 1000) / requests;
    const result: CpuPerRequest = {
      target: per(this.targetPid ? processCpuMs(this.targetPid) : null, this.before.target),
      mock: per(this.mockPid ? processCpuMs(this.mockPid) : null, this.before.mock),
    };
    if (this.postgresPids) {
      // A backend that went away (pool shrink) makes the sum meaningless: report nothing rather than too little.
      result.postgres = per(totalCpuMs(this.postgresPids), this.before.postgres);
      const usec = await redisCommandUsec(this.config.redisUrl).catch(() => null);
      result.redis = usec === null || this.before.redis === null || requests === 0 ? null : (usec - this.before.redis) / requests;
    }
    return result;
  }
}

import type { Exchange, Handler } from './exchange';
import type { FailFirstRegistry } from './fail-first';
import { sendJson } from './http-io';
import type { MockStatsRecorder } from './mock-stats';
import type { RequestLog } from './request-log';

export const DEFAULT_REQUESTS_LIMIT = 20;

export interface ControlHandlers {
  readonly stats: Handler;
  readonly reset: Handler;
  readonly requests: Handler;
}

/** The `/__mock/*` endpoints, for the project's own tests: counters, reset, and the log of received requests. */
export function createControlHandlers(
  stats: MockStatsRecorder,
  log: RequestLog,
  failures?: FailFirstRegistry,
): ControlHandlers {
  return {
    stats(x: Exchange): void {
      sendJson(x.res, 200, stats.snapshot());
    },

    reset(x: Exchange): void {
      stats.reset();
      log.clear();
      failures?.reset();
      sendJson(x.res, 200, { ok: true });
    },

    requests(x: Exchange): void {
      sendJson(x.res, 200, log.recent(requestsLimit(x.query)));
    },
  };
}

function requestsLimit(query: string): number {
  const raw = new URLSearchParams(query).get('limit');
  if (raw === null || raw === '') return DEFAULT_REQUESTS_LIMIT;
  const limit = Number(raw);
  return Number.isInteger(limit) && limit >= 0 ? limit : DEFAULT_REQUESTS_LIMIT;
}

import { STAGE_METRIC, type StageRow, type StageSnapshot, stageSnapshot, stageWindow } from './stage-metrics';

/** Per-stage timing of a measured window: the rows, or why there are none (said in one line). */
export type StageTiming = { rows: StageRow[] } | { missing: string };

/**
 * GET /metrics of the proxy. The bench starts the proxy without METRICS_TOKEN (targets.ts passes no such variable),
 * so the route is open; a refusal or any other failure is reported as such, never taken for an absent metric.
 */
async function scrape(baseUrl: string): Promise<StageSnapshot> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}: ${text.slice(0, 200)}`);
  return stageSnapshot(text);
}

/** Scrapes before the window; `close()` scrapes after it and gives what each stage cost the window's requests. */
export class StageWindowProbe {
  private constructor(
    private readonly baseUrl: string,
    private readonly before: StageSnapshot | Error,
  ) {}

  static async open(baseUrl: string): Promise<StageWindowProbe> {
    return new StageWindowProbe(baseUrl, await scrape(baseUrl).catch((error: Error) => error));
  }

  async close(): Promise<StageTiming> {
    try {
      if (this.before instanceof Error) throw this.before;
      const after = await scrape(this.baseUrl);
      if (!after.declared) return { missing: `the proxy exposes no \`${STAGE_METRIC}\` histogram on /metrics: no per-stage timing` };
      const rows = stageWindow(this.before, after);
      if (rows.every((row) => row.requests === 0)) {
        return { missing: `the proxy declares \`${STAGE_METRIC}\` but observed no stage during the window` };
      }
      return { rows };
    } catch (error) {
      return { missing: `per-stage timing not read: ${(error as Error).message}` };
    }
  }
}

const us = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');
const percent = (value: number) => (Number.isFinite(value) ? `${(100 * value).toFixed(1)}%` : 'n/a');

/** The markdown table (or the one line saying why there is none). */
export function stageTimingLines(timing: StageTiming): string[] {
  if ('missing' in timing) return [`${timing.missing.charAt(0).toUpperCase()}${timing.missing.slice(1)}.`];
  const lines = ['| stage | requests | mean µs/req | share of stage time |', '|---|---:|---:|---:|'];
  for (const row of timing.rows) {
    lines.push(`| ${row.stage.replace(/[|\n]/g, ' ')} | ${row.requests.toLocaleString('en-US')} | ${us(row.meanUs)} | ${percent(row.share)} |`);
  }
  // Per request that passes every stage: the sum of the stage means (stages a request did not reach add nothing).
  const total = timing.rows.reduce((sum, row) => sum + (Number.isFinite(row.meanUs) ? row.meanUs : 0), 0);
  lines.push(`| **all stages** | | **${us(total)}** | 100% |`);
  return lines;
}

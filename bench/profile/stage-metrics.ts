/**
 * The proxy's per-stage timing (`gw_stage_duration_seconds`, a prom-client histogram labelled by `stage`) read from
 * two scrapes of its /metrics, before and after a measured window: what each stage cost the requests of that window.
 * Pure text in, figures out, so that parsing and arithmetic are tested without a running proxy.
 */

export const STAGE_METRIC = 'gw_stage_duration_seconds';

/** The pipeline's stages in the order a request passes them; any other stage label is listed after these. */
export const STAGE_ORDER = ['context', 'authenticate', 'admit', 'resolve', 'reserve', 'relay', 'settle'] as const;

export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', n: '\n' };

/**
 * Reads the label set starting right after `{` at `at` (Prometheus text format: `name="value"` pairs, comma
 * separated, values with `\\`, `\"` and `\n` escapes, a trailing comma allowed). Returns the labels and the index
 * after the closing `}`.
 */
function parseLabels(line: string, at: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const eq = line.indexOf('=', i);
    if (eq === -1 || line[eq + 1] !== '"') throw new Error(`malformed label set: ${line}`);
    const name = line.slice(i, eq).trim();
    let value = '';
    for (i = eq + 2; line[i] !== '"'; i++) {
      if (i >= line.length) throw new Error(`unterminated label value: ${line}`);
      if (line[i] === '\\') {
        const escaped = ESCAPES[line[i + 1]];
        // An unknown escape stands for itself, backslash included, as Prometheus' own parser keeps it.
        value += escaped ?? `\\${line[i + 1]}`;
        i++;
      } else value += line[i];
    }
    labels[name] = value;
    i++;
  }
}

/** The samples of the metrics named in `names` (comments, other metrics and blank lines skipped). */
export function parseExposition(text: string, names: ReadonlySet<string>): ExpositionSample[] {
  const samples: ExpositionSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const nameEnd = line.search(/[{\s]/);
    const name = nameEnd === -1 ? line : line.slice(0, nameEnd);
    if (!names.has(name)) continue;
    let rest = nameEnd;
    let labels: Record<string, string> = {};
    if (line[nameEnd] === '{') ({ labels, end: rest } = parseLabels(line, nameEnd + 1));
    // The value, then an optional timestamp: only the value matters here.
    const value = Number(line.slice(rest).trim().split(/\s+/)[0]);
    samples.push({ name, labels, value });
  }
  return samples;
}

export interface StageTotal {
  sumSeconds: number;
  count: number;
}

/** One scrape's view of the stage histogram: whether the proxy declares it at all, and its totals by stage. */
export interface StageSnapshot {
  declared: boolean;
  stages: Map<string, StageTotal>;
}

/**
 * The histogram's `_sum` and `_count` by stage, added up over any other labels (the `app` default label, or a
 * protocol label should the proxy add one). A histogram that has observed nothing yet exposes only its HELP/TYPE
 * lines: declared, with no stage.
 */
export function stageSnapshot(text: string): StageSnapshot {
  const sum = `${STAGE_METRIC}_sum`;
  const count = `${STAGE_METRIC}_count`;
  const stages = new Map<string, StageTotal>();
  for (const sample of parseExposition(text, new Set([sum, count]))) {
    const stage = sample.labels.stage;
    if (stage === undefined) continue;
    const total = stages.get(stage) ?? { sumSeconds: 0, count: 0 };
    if (sample.name === sum) total.sumSeconds += sample.value;
    else total.count += sample.value;
    stages.set(stage, total);
  }
  const declared = stages.size > 0 || new RegExp(`^# TYPE ${STAGE_METRIC} `, 'm').test(text);
  return { declared, stages };
}

export interface StageRow {
  stage: string;
  /** Observations of the stage in the window: requests that reached it. */
  requests: number;
  /** Mean wall time of the stage per request that reached it, microseconds (NaN when none did). */
  meanUs: number;
  /** The stage's part of all the stage time of the window, 0..1. */
  share: number;
}

function stageRank(stage: string): number {
  const index = (STAGE_ORDER as readonly string[]).indexOf(stage);
  return index === -1 ? STAGE_ORDER.length : index;
}

/** What each stage cost in the window between two snapshots of the same proxy process, in pipeline order. */
export function stageWindow(before: StageSnapshot, after: StageSnapshot): StageRow[] {
  const deltas = [...after.stages].map(([stage, total]) => {
    const earlier = before.stages.get(stage) ?? { sumSeconds: 0, count: 0 };
    const requests = total.count - earlier.count;
    const seconds = total.sumSeconds - earlier.sumSeconds;
    // Cumulative series only grow within one process: less means the proxy restarted and the window means nothing.
    if (requests < 0 || seconds < 0) throw new Error(`${STAGE_METRIC}{stage="${stage}"} went backwards between scrapes`);
    return { stage, requests, seconds };
  });
  const totalSeconds = deltas.reduce((sum, d) => sum + d.seconds, 0);
  return deltas
    .sort((a, b) => stageRank(a.stage) - stageRank(b.stage) || a.stage.localeCompare(b.stage))
    .map(({ stage, requests, seconds }) => ({
      stage,
      requests,
      meanUs: requests > 0 ? (seconds * 1e6) / requests : Number.NaN,
      share: totalSeconds > 0 ? seconds / totalSeconds : Number.NaN,
    }));
}

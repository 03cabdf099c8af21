import type { Aggregate } from './aggregate';
import type { BooksCheck } from './bench-database';
import { int, ms, ratio, signedMs } from './report-format';

/** The aggregates the targets compare, per scenario and target (null: not measured in this run). */
export interface TargetInputs {
  saturation: { proxy: Aggregate | null; passthrough: Aggregate | null; portkey: Aggregate | null };
  fixedRate: { direct: Aggregate | null; proxy: Aggregate | null; passthrough: Aggregate | null; portkey: Aggregate | null };
  books: (BooksCheck & { proxy2xx: number }) | null;
  /** BENCH_PROMPT_WORDS: at agent-sized prompts (>= AGENT_PROMPT_WORDS) the saturation target is against (d) only. */
  promptWords: number;
}

export interface TargetCheck {
  label: string;
  measured: string;
  /** null: not measured in this run. */
  ok: boolean | null;
}

/** The size coding agents send (issue "Wallet": BENCH_PROMPT_WORDS=20000). */
export const AGENT_PROMPT_WORDS = 20_000;

const clean = (...aggregates: (Aggregate | null)[]): boolean => aggregates.every((a) => a !== null && a.failures === 0);
const measured = (...aggregates: (Aggregate | null)[]) => aggregates.every((a) => a !== null);

/**
 * The proxy's targets (the "Wallet" issue's benchmark targets; the compass goal of 0.6x (b) beside them), each
 * checked on this run's medians. A target whose inputs had failed requests fails, whatever its numbers.
 */
export function proxyTargetChecks(input: TargetInputs): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const { proxy, passthrough, portkey } = input.saturation;
  const agentSized = input.promptWords >= AGENT_PROMPT_WORDS;

  const ratioCheck = (label: string, a: Aggregate | null, b: Aggregate | null, least: number) => {
    if (!measured(a, b)) return checks.push({ label, measured: 'n/a', ok: null });
    const r = a!.rps / b!.rps;
    checks.push({ label, measured: ratio(r), ok: clean(a, b) && r >= least });
  };
  if (agentSized) {
    ratioCheck(`throughput (c) >= 2 x (d), saturation, ${int(input.promptWords)}-word prompts`, proxy, portkey, 2);
  } else {
    ratioCheck('throughput (c) >= 0.5 x (b), saturation (compass: 0.6 x)', proxy, passthrough, 0.5);
    ratioCheck('throughput (c) >= 4 x (d), saturation', proxy, portkey, 4);
  }

  const rate = input.fixedRate;
  const added = (a: Aggregate | null) => (a && rate.direct ? a.mean - rate.direct.mean : NaN);
  if (measured(rate.direct, rate.proxy, rate.passthrough, rate.portkey)) {
    const [c, b, d] = [added(rate.proxy), added(rate.passthrough), added(rate.portkey)];
    const inputsClean = clean(rate.direct, rate.proxy, rate.passthrough, rate.portkey);
    checks.push({
      label: `added mean latency of (c) at the fixed rate below (d)'s (${signedMs(d)} ms) and at most (b)'s + 1 ms (${signedMs(b + 1)} ms)`,
      measured: `${signedMs(c)} ms`,
      ok: inputsClean && c < d && c <= b + 1,
    });
    checks.push({
      label: `p99 latency of (c) at the fixed rate at most 2 x (b)'s (${ms(2 * rate.passthrough!.p99)} ms)`,
      measured: `${ms(rate.proxy!.p99)} ms`,
      ok: inputsClean && rate.proxy!.p99 <= 2 * rate.passthrough!.p99,
    });
  } else {
    checks.push({ label: "added mean latency of (c) at the fixed rate below (d)'s and at most (b)'s + 1 ms", measured: 'n/a', ok: null });
    checks.push({ label: "p99 latency of (c) at the fixed rate at most 2 x (b)'s", measured: 'n/a', ok: null });
  }

  if (proxy && Number.isFinite(proxy.cpuPostgres)) {
    checks.push({ label: 'PostgreSQL CPU per request of (c) at saturation <= 60 µs', measured: `${int(proxy.cpuPostgres)} µs`, ok: clean(proxy) && proxy.cpuPostgres <= 60 });
  } else {
    checks.push({ label: 'PostgreSQL CPU per request of (c) at saturation <= 60 µs', measured: 'n/a', ok: null });
  }

  const books = input.books;
  checks.push({
    label: 'books after the run (nothing held, ledger sum = balance, a usage record per 2xx)',
    measured: books ? (books.ledgerMatchesBalance ? 'balanced' : 'unbalanced') : 'n/a',
    ok: books ? books.openReservations === 0 && books.ledgerMatchesBalance && books.usageRecords >= books.proxy2xx : null,
  });
  return checks;
}

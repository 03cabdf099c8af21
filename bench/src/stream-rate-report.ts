import type { Aggregate } from './aggregate';
import type { TargetName } from './bench-config';
import { int, ms, signedMs } from './report-format';
import { TARGET_LABELS } from './targets';

/**
 * The streaming-fixed-rate table: per target, the time to the first content chunk (what a chat user waits for) and
 * what each gateway adds to it over the upstream direct, then the last byte. The proxy's added time to first chunk is
 * set beside the passthrough's and Portkey's in one sentence under the table.
 */
export function streamRateLines(targets: readonly TargetName[], agg: (target: TargetName) => Aggregate | null): string[] {
  const lines = [
    '| target | sent streams/s | first chunk mean ms | first chunk p50 ms | first chunk p99 ms | ' +
      'added first chunk mean over (a) | added first chunk p99 over (a) | last byte mean ms | last byte p99 ms | ' +
      'target CPU µs/stream | failed streams |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const direct = agg('direct');
  const added = (target: TargetName, value: number, base: number | undefined) =>
    target === 'direct' || base === undefined ? '' : signedMs(value - base);
  for (const target of targets) {
    const a = agg(target);
    if (!a) {
      lines.push(`| ${TARGET_LABELS[target]} | not measured | | | | | | | | | |`);
      continue;
    }
    lines.push(
      `| ${TARGET_LABELS[target]}${a.failures > 0 ? ' ⚠' : ''} | ${int(a.sentRate)} | ${ms(a.firstByteMean)} | ` +
        `${ms(a.firstByteP50)} | ${ms(a.firstByteP99)} | ${added(target, a.firstByteMean, direct?.firstByteMean)} | ` +
        `${added(target, a.firstByteP99, direct?.firstByteP99)} | ${ms(a.mean)} | ${ms(a.p99)} | ${int(a.cpuTarget)} | ` +
        `${a.failures > 0 ? `**${int(a.failures)}**` : '0'} of ${int(a.requests + a.failures)} |`,
    );
  }
  if (direct) {
    const addedOf = (target: TargetName) => {
      const a = agg(target);
      if (!a) return 'not measured';
      return `${signedMs(a.firstByteMean - direct.firstByteMean)} ms (${signedMs(a.firstByteP99 - direct.firstByteP99)})`;
    };
    lines.push(
      '',
      `Added time to first content chunk over (a), mean (p99): (c) ${addedOf('proxy')}, beside (b) ` +
        `${addedOf('passthrough')} and (d) ${addedOf('portkey')}.`,
    );
  }
  return lines;
}

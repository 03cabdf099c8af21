import type { Aggregate } from './aggregate';
import type { TargetName } from './bench-config';
import { streamRateLines } from './stream-rate-report';

/** An aggregate with the figures this table reads; the rest are irrelevant here. */
function figures(firstByteMean: number, firstByteP99: number, failures = 0): Aggregate {
  return {
    rounds: 3,
    rps: 49,
    rpsMin: 48,
    rpsMax: 50,
    mean: 200,
    p50: 199,
    p99: 230,
    firstByteMean,
    firstByteP50: firstByteMean - 0.5,
    firstByteP99,
    sentRate: 50,
    failures,
    requests: 600 - failures,
    bytesPerResponse: 4150,
    cpuTarget: 2500,
    cpuMock: 1000,
    cpuPostgres: Number.NaN,
    cpuRedis: Number.NaN,
  };
}

describe(streamRateLines.name, () => {
  const all: TargetName[] = ['direct', 'passthrough', 'proxy', 'portkey'];

  it('shows the added time to first chunk over (a) per target, and (c) beside (b) and (d)', () => {
    const byTarget: Partial<Record<TargetName, Aggregate>> = {
      direct: figures(11, 14),
      passthrough: figures(11.5, 15),
      proxy: figures(13.25, 19),
      portkey: figures(37, 60),
    };
    const lines = streamRateLines(all, (t) => byTarget[t] ?? null);
    expect(lines[2]).toBe('| (a) upstream direct | 50 | 11.00 | 10.50 | 14.00 |  |  | 200.00 | 230.00 | 2,500 | 0 of 600 |');
    expect(lines[4]).toBe(
      '| (c) Chuizi proxy (all features on) | 50 | 13.25 | 12.75 | 19.00 | +2.25 | +5.00 | 200.00 | 230.00 | 2,500 | 0 of 600 |',
    );
    expect(lines.at(-1)).toBe(
      'Added time to first content chunk over (a), mean (p99): (c) +2.25 ms (+5.00), beside (b) +0.50 ms (+1.00) and ' +
        '(d) +26.00 ms (+46.00).',
    );
  });

  it('flags a target with failed streams and says which targets were not measured', () => {
    const byTarget: Partial<Record<TargetName, Aggregate>> = { direct: figures(11, 14), proxy: figures(12, 15, 3) };
    const lines = streamRateLines(all, (t) => byTarget[t] ?? null);
    expect(lines[3]).toBe('| (b) Fastify + undici passthrough | not measured | | | | | | | | | |');
    expect(lines[4]).toMatch(/^\| \(c\) Chuizi proxy \(all features on\) ⚠ \|.*\| \*\*3\*\* of 600 \|$/);
    expect(lines.at(-1)).toBe(
      'Added time to first content chunk over (a), mean (p99): (c) +1.00 ms (+1.00), beside (b) not measured and (d) not measured.',
    );
  });

  it('has no comparison sentence without the upstream direct to compare with', () => {
    const lines = streamRateLines(['proxy'], (t) => (t === 'proxy' ? figures(12, 15) : null));
    expect(lines).toHaveLength(3);
  });
});

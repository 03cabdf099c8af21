import type { Aggregate } from './aggregate';
import { proxyTargetChecks, TargetInputs } from './proxy-targets';

const run = (over: Partial<Aggregate> = {}): Aggregate => ({
  rounds: 3,
  rps: 1000,
  rpsMin: 900,
  rpsMax: 1100,
  mean: 5,
  p50: 4,
  p99: 10,
  firstByteMean: NaN,
  firstByteP50: NaN,
  firstByteP99: NaN,
  sentRate: NaN,
  failures: 0,
  requests: 3000,
  bytesPerResponse: 800,
  cpuTarget: 500,
  cpuMock: 50,
  cpuPostgres: 40,
  cpuRedis: 100,
  ...over,
});

const BOOKS = { openReservations: 0, ledgerMatchesBalance: true, usageRecords: 10, proxy2xx: 10 } as TargetInputs['books'];

function inputs(over: Partial<TargetInputs> = {}): TargetInputs {
  return {
    saturation: { proxy: run({ rps: 3000 }), passthrough: run({ rps: 5000 }), portkey: run({ rps: 700 }) },
    fixedRate: { direct: run({ mean: 1, p99: 3 }), proxy: run({ mean: 2.5, p99: 9 }), passthrough: run({ mean: 2, p99: 5 }), portkey: run({ mean: 3, p99: 12 }) },
    books: BOOKS,
    promptWords: 0,
    ...over,
  };
}

const verdicts = (input: TargetInputs) => proxyTargetChecks(input).map(({ label, ok }) => [label.split(' ')[0] + ' ' + label.split(' ')[1], ok]);

describe(proxyTargetChecks.name, () => {
  it('passes a run that meets every target', () => {
    expect(proxyTargetChecks(inputs()).every((check) => check.ok === true)).toBe(true);
  });

  it('fails each target on its own figure', () => {
    const checks = proxyTargetChecks(
      inputs({
        saturation: { proxy: run({ rps: 2000, cpuPostgres: 61 }), passthrough: run({ rps: 5000 }), portkey: run({ rps: 700 }) },
        fixedRate: { direct: run({ mean: 1 }), proxy: run({ mean: 3.5, p99: 11 }), passthrough: run({ mean: 2, p99: 5 }), portkey: run({ mean: 4 }) },
      }),
    );
    expect(checks.map((c) => [c.measured, c.ok])).toEqual([
      ['0.40x', false], // 2000 / 5000 < 0.5
      ['2.86x', false], // 2000 / 700 < 4
      ['+2.50 ms', false], // below (d)'s +3.00 but above (b)'s +1.00 + 1 ms
      ['11.00 ms', false], // above 2 x 5 ms
      ['61 µs', false],
      ['balanced', true],
    ]);
  });

  it('fails a target whose runs had failed requests, whatever the numbers', () => {
    const input = inputs({ saturation: { proxy: run({ rps: 9000, failures: 3 }), passthrough: run(), portkey: run() } });
    expect(proxyTargetChecks(input)[0]).toMatchObject({ measured: '9.00x', ok: false });
  });

  it('checks agent-sized prompts against (d) at twice its throughput, and says what was not measured', () => {
    const input = inputs({
      promptWords: 20_000,
      saturation: { proxy: run({ rps: 150 }), passthrough: null, portkey: run({ rps: 70 }) },
      fixedRate: { direct: null, proxy: null, passthrough: null, portkey: null },
      books: null,
    });
    expect(verdicts(input)).toEqual([
      ['throughput (c)', true],
      ['added mean', null],
      ['p99 latency', null],
      ['PostgreSQL CPU', true],
      ['books after', null],
    ]);
  });
});

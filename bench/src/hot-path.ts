import { cpus } from 'node:os';
import { LedgerRepository, PrismaService, UsageRecordRow } from '@gw/db';
import { SampleBuffer } from './stats';

/** What the money hot-path benchmarks (bench:billing, bench:wallet) share: their accounts, requests and loop. */
export const HOT_PATH = {
  warmupSeconds: 1,
  manyAccounts: 1_000,
  holdMicros: 2_000n,
  costMicros: 1_234n,
  modelId: 'openai/gpt-4.1-mini',
} as const;

export interface BenchAccount {
  id: string;
  keyId: string;
}

/** Accounts with a key each and a balance no run exhausts (a real top-up through gw_post). */
export async function createBenchAccounts(prisma: PrismaService, count: number, label: string): Promise<BenchAccount[]> {
  const ledger = new LedgerRepository(prisma);
  const accounts: BenchAccount[] = [];
  for (let i = 0; i < count; i++) {
    const account = await prisma.account.create({ data: { name: `bench ${label} ${i}` } });
    const key = await prisma.apiKey.create({
      data: { accountId: account.id, name: 'bench', keyHash: `bench-${label}-${account.id}`, prefix: 'ck-bench' },
    });
    await ledger.post(account.id, 'top_up', 1_000_000_000_000n, 'bench credit', null);
    accounts.push({ id: account.id, keyId: key.id });
  }
  return accounts;
}

/** The usage record of a completed non-streaming request, as the proxy writes it. */
export function benchUsageRow(account: BenchAccount, generationId: string): UsageRecordRow {
  return {
    generationId,
    requestId: null,
    accountId: account.id,
    keyId: account.keyId,
    model: HOT_PATH.modelId,
    requestedModel: 'gpt-4.1-mini',
    protocol: 'openai',
    endpoint: 'chat.completions',
    stream: false,
    status: 200,
    outcome: 'completed',
    errorType: null,
    inputTokens: 100,
    outputTokens: 700,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    usageEstimated: false,
    reservedMicros: HOT_PATH.holdMicros,
    costMicros: HOT_PATH.costMicros,
    overrunMicros: 0n,
    upstreamStatus: 200,
    channelId: null,
    attempts: 1,
    latencyMs: 1,
    upstreamLatencyMs: 1,
    createdAt: new Date(),
  };
}

export interface ClosedLoopResult {
  requests: number;
  /** Latencies (ms) of the two halves of each request: the hold, the settlement. */
  hold: SampleBuffer;
  settle: SampleBuffer;
}

/**
 * `concurrency` simulated requests in flight for warm-up + `seconds`, each `request(worker)` -> next; only those that
 * end after the warm-up are measured. `onMeasureStart` runs once, when the first measured request ends.
 */
export async function closedLoop(options: {
  concurrency: number;
  seconds: number;
  request: (worker: number) => Promise<[number, number]>;
  onMeasureStart?: () => void;
}): Promise<ClosedLoopResult> {
  const result: ClosedLoopResult = { requests: 0, hold: new SampleBuffer(), settle: new SampleBuffer() };
  const measureFrom = Date.now() + HOT_PATH.warmupSeconds * 1000;
  const end = measureFrom + options.seconds * 1000;
  let measuring = false;
  const loop = async (worker: number) => {
    while (Date.now() < end) {
      const [held, settled] = await options.request(worker);
      if (Date.now() < measureFrom) continue;
      if (!measuring) {
        measuring = true;
        options.onMeasureStart?.();
      }
      result.hold.push(held);
      result.settle.push(settled);
      result.requests++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => loop(i)));
  return result;
}

/** The report's last line: the machine, and how busy it was. */
export function machineLine(postgresVersion: string, loadBefore: number, loadAfter: number): string {
  return (
    `Machine: ${cpus().length} x ${cpus()[0]?.model.trim()}, Node ${process.version}, PostgreSQL ${postgresVersion} ` +
    `(local, default settings). Shared with other engineers' builds and tests: 1-minute load average ` +
    `${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after. Figures are indicative; compare rows of one run, ` +
    'not runs.'
  );
}

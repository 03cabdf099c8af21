import {
  MODEL_PROVIDERS,
  type ModelProvider,
  USAGE_OUTCOMES,
  USAGE_PROTOCOLS,
  type UsageOutcome,
  type UsageProtocol,
  type UsageRecordView,
  type WalletEventKind,
  type WalletEventRow,
  type WalletEventUsage,
} from '@gw/db';
import type { ShardIndex } from '../wallet-keys';

/** A stream entry as ioredis returns it: [id, [field, value, field, value, ...]]. */
export type StreamEntry = [string, string[]];

export interface ParsedEntry {
  shard: ShardIndex;
  entryId: string;
  /** Null when the entry is not a settlement event the writer understands (logged and acknowledged). */
  event: WalletEventRow | null;
  /** What was wrong: the whole entry (no event), or only its usage record (the event moves its money without it). */
  problem?: string;
}

const KINDS = new Set<WalletEventKind>(['settle', 'unheld', 'abandoned', 'late']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INTEGER = /^-?\d{1,19}$/;
const INT4_MAX = 2_147_483_647;

/**
 * A settlement event from the stream (fields written by the wallet scripts: a account, g generation, k kind,
 * c charge, t total, h held, s seq, u usage record or hold context, d delivered usage) as gw_wallet_apply takes it.
 */
export function parseEntry(shard: ShardIndex, [entryId, flat]: StreamEntry): ParsedEntry {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < (flat?.length ?? 0); i += 2) fields.set(flat[i], flat[i + 1]);
  const get = (name: string) => fields.get(name) ?? '';
  const kind = get('k') as WalletEventKind;
  const numbers = ['c', 't', 'h', 's'].map(get);
  if (!UUID.test(get('a')) || !get('g') || !KINDS.has(kind) || !numbers.every((n) => INTEGER.test(n))) {
    return { shard, entryId, event: null, problem: 'malformed fields' };
  }
  const [charge, total, held, seq] = numbers.map(BigInt);
  let usage: WalletEventUsage | null = null;
  let problem: string | undefined;
  try {
    usage = kind === 'abandoned' ? abandonedUsage(get('u'), get('d')) : usageRecord(parseObject(get('u')));
  } catch (error) {
    problem = `usage record not written: ${(error as Error).message}`;
  }
  return {
    shard,
    entryId,
    problem,
    event: {
      // Stream ids are unique within a shard's stream only.
      entryId: `${shard}/${entryId}`,
      accountId: get('a'),
      seq,
      generationId: get('g'),
      kind,
      chargeMicros: charge,
      totalMicros: total,
      heldMicros: held,
      emittedAt: new Date(Number(entryId.split('-')[0])),
      usage,
    },
  };
}

function parseObject(text: string): Record<string, unknown> | null {
  if (text === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
  return value as Record<string, unknown>;
}

/** A usage record as the proxy wrote it (usage_records columns, snake_case), checked column by column. */
export function usageRecord(record: Record<string, unknown> | null): WalletEventUsage | null {
  if (record === null) return null;
  return {
    requestId: optionalText(record, 'request_id'),
    keyId: uuid(record, 'key_id'),
    model: text(record, 'model'),
    requestedModel: optionalText(record, 'requested_model'),
    protocol: text(record, 'protocol'),
    endpoint: text(record, 'endpoint'),
    stream: record.stream === true,
    status: count(record, 'status'),
    outcome: text(record, 'outcome'),
    errorType: optionalText(record, 'error_type'),
    inputTokens: count(record, 'input_tokens'),
    outputTokens: count(record, 'output_tokens'),
    cachedInputTokens: count(record, 'cached_input_tokens'),
    cacheWriteTokens: count(record, 'cache_write_tokens'),
    usageEstimated: record.usage_estimated === true,
    upstreamStatus: optionalCount(record, 'upstream_status'),
    channelId: record.channel_id == null ? null : uuid(record, 'channel_id'),
    attempts: count(record, 'attempts'),
    latencyMs: count(record, 'latency_ms'),
    upstreamLatencyMs: optionalCount(record, 'upstream_latency_ms'),
    createdAt: timestamp(record.created_at),
    // The policy's columns: null in records from proxies older than them.
    provider: optionalProvider(record, 'provider'),
    reasoningTokens: optionalCount(record, 'reasoning_tokens'),
    upstreamCostMicros: optionalMicros(record, 'upstream_cost_micros'),
    finishReason: optionalText(record, 'finish_reason'),
  };
}

/**
 * The usage record of a request whose process died (the sweep closed its hold): what the hold knew of the request,
 * and what its last heartbeat said was delivered (counted by the gateway: usage_estimated). Status 0: no answer.
 */
export function abandonedUsage(contextJson: string, deliveredJson: string): WalletEventUsage | null {
  const context = parseObject(contextJson);
  if (!context) return null;
  const delivered = parseObject(deliveredJson) ?? {};
  const tokens = (name: string) => (isCount(delivered[name]) ? (delivered[name] as number) : 0);
  return {
    requestId: optionalText(context, 'requestId'),
    keyId: uuid(context, 'keyId'),
    model: text(context, 'model'),
    requestedModel: optionalText(context, 'requestedModel'),
    protocol: text(context, 'protocol'),
    endpoint: text(context, 'endpoint'),
    stream: context.stream === true,
    status: 0,
    outcome: 'abandoned',
    errorType: null,
    inputTokens: tokens('inputTokens'),
    outputTokens: tokens('outputTokens'),
    cachedInputTokens: tokens('cachedInputTokens'),
    cacheWriteTokens: tokens('cacheWriteTokens'),
    usageEstimated: true,
    upstreamStatus: null,
    channelId: null,
    attempts: 0,
    latencyMs: 0,
    upstreamLatencyMs: null,
    createdAt: timestamp(context.createdAt),
    // The hold does not know them; no answer reached the client.
    provider: null,
    reasoningTokens: null,
    upstreamCostMicros: null,
    finishReason: null,
  };
}

const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= INT4_MAX;

function text(record: Record<string, unknown>, name: string): string {
  const value = record[name];
  if (typeof value !== 'string' || value === '') throw new Error(`${name} is not a text`);
  return value;
}

function optionalText(record: Record<string, unknown>, name: string): string | null {
  return record[name] == null ? null : text(record, name);
}

function uuid(record: Record<string, unknown>, name: string): string {
  const value = text(record, name).toLowerCase();
  if (!UUID.test(value)) throw new Error(`${name} is not a UUID`);
  return value;
}

function count(record: Record<string, unknown>, name: string): number {
  if (!isCount(record[name])) throw new Error(`${name} is not a count`);
  return record[name] as number;
}

function optionalCount(record: Record<string, unknown>, name: string): number | null {
  return record[name] == null ? null : count(record, name);
}

function optionalProvider(record: Record<string, unknown>, name: string): ModelProvider | null {
  const value = optionalText(record, name);
  if (value !== null && !(MODEL_PROVIDERS as readonly string[]).includes(value)) throw new Error(`${name} is not a provider`);
  return value as ModelProvider | null;
}

/** Micro-dollars as the record writes them (a decimal string: bigint does not fit JSON numbers). */
function optionalMicros(record: Record<string, unknown>, name: string): bigint | null {
  const value = record[name];
  if (value == null) return null;
  if (typeof value !== 'string' || !INTEGER.test(value)) throw new Error(`${name} is not an amount`);
  return BigInt(value);
}

function timestamp(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * The usage record settle() kept for the lookups (usageRowToJson's JSON, `gen:<generation>`) read back as a row, for
 * the time the ledger writer has not yet written it to PostgreSQL; null when it cannot be read as one.
 */
export function settledUsageRow(json: string): UsageRecordView | null {
  try {
    const record = parseObject(json);
    const usage = usageRecord(record);
    if (record === null || usage === null || usage.createdAt === null) return null;
    const protocol = usage.protocol as UsageProtocol;
    const outcome = usage.outcome as UsageOutcome;
    if (!USAGE_PROTOCOLS.includes(protocol) || !USAGE_OUTCOMES.includes(outcome)) return null;
    const money = (name: string): bigint => optionalMicros(record, name) ?? 0n;
    return {
      ...usage,
      protocol,
      outcome,
      createdAt: usage.createdAt,
      generationId: text(record, 'generation_id'),
      accountId: uuid(record, 'account_id'),
      reservedMicros: money('reserved_micros'),
      costMicros: money('cost_micros'),
      overrunMicros: money('overrun_micros'),
      provider: usage.provider ?? null,
      reasoningTokens: usage.reasoningTokens ?? null,
      upstreamCostMicros: usage.upstreamCostMicros ?? null,
      finishReason: usage.finishReason ?? null,
    };
  } catch {
    return null;
  }
}

import type { WalletEventKind, WalletEventRow } from '@gw/db';
import type { ShardIndex } from '../wallet-keys';

/** A stream entry as ioredis returns it: [id, [field, value, field, value, ...]]. */
export type StreamEntry = [string, string[]];

export interface ParsedEntry {
  shard: ShardIndex;
  entryId: string;
  /** Null when the entry is not a settlement event the writer understands (logged and acknowledged). */
  event: WalletEventRow | null;
  problem?: string;
}

const KINDS = new Set<WalletEventKind>(['settle', 'unheld', 'abandoned', 'late']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INTEGER = /^-?\d{1,19}$/;

/**
 * A settlement event from the stream (fields written by the wallet scripts: a account, g generation, k kind,
 * c charge, t total, h held, s seq, u usage or hold context, d delivered usage) as gw_wallet_apply takes it.
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
  let usage: Record<string, unknown> | null;
  try {
    usage = kind === 'abandoned' ? abandonedUsage(get('u'), get('d')) : parseObject(get('u'));
  } catch {
    return { shard, entryId, event: null, problem: 'malformed usage JSON' };
  }
  return {
    shard,
    entryId,
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
  const value: unknown = JSON.parse(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
  return value as Record<string, unknown>;
}

const int = (value: unknown) => (Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : 0);

/**
 * The usage record of a request whose process died (the sweep closed its hold): what the hold knew of the request,
 * and what its last heartbeat said was delivered (counted by the gateway: usage_estimated). Status 0: no answer.
 */
export function abandonedUsage(contextJson: string, deliveredJson: string): Record<string, unknown> | null {
  const context = parseObject(contextJson);
  if (!context) return null;
  const delivered = parseObject(deliveredJson) ?? {};
  return {
    request_id: context.requestId ?? null,
    key_id: context.keyId,
    model: context.model,
    requested_model: context.requestedModel ?? null,
    protocol: context.protocol,
    endpoint: context.endpoint,
    stream: context.stream === true,
    status: 0,
    outcome: 'abandoned',
    error_type: null,
    input_tokens: int(delivered.inputTokens),
    output_tokens: int(delivered.outputTokens),
    cached_input_tokens: int(delivered.cachedInputTokens),
    cache_write_tokens: int(delivered.cacheWriteTokens),
    usage_estimated: true,
    upstream_status: null,
    channel_id: null,
    attempts: 0,
    latency_ms: 0,
    upstream_latency_ms: null,
    created_at: context.createdAt,
  };
}

import { type UsageRecordRow, usageRowToJson } from '@gw/db';
import { abandonedUsage, parseEntry, settledUsageRow, usageRecord } from './settlement-events';
import { compareEntryIds, trimPoint } from './stream-ids';

const ACCOUNT = '6d30b904-619d-4e96-8d9f-cf06f9c53cf8';
const KEY = '11111111-2222-4333-8444-555555555555';

function entry(fields: Record<string, string>, id = '1733480000123-0'): [string, string[]] {
  return [id, Object.entries(fields).flat()];
}

describe(parseEntry.name, () => {
  const record = {
    request_id: 'req-1', key_id: KEY, model: 'openai/gpt-4.1-mini', requested_model: null, protocol: 'openai',
    endpoint: 'chat.completions', stream: false, status: 200, outcome: 'completed', error_type: null, input_tokens: 10,
    output_tokens: 20, cached_input_tokens: 0, cache_write_tokens: 0, usage_estimated: false, reserved_micros: '0',
    cost_micros: '1234', overrun_micros: '0', upstream_status: 200, channel_id: null, attempts: 1, latency_ms: 5,
    upstream_latency_ms: 3, created_at: '2026-12-06T10:00:00.000Z', provider: 'openai', reasoning_tokens: 5,
    upstream_cost_micros: '1176', finish_reason: 'stop',
  };
  const base = { a: ACCOUNT, g: 'gen-1', k: 'settle', c: '1234', t: '1234', h: '5000', s: '7', u: JSON.stringify(record), d: '' };

  it('reads a settlement event, its id unique across shards and its emission time from the stream id', () => {
    expect(parseEntry(3, entry(base))).toEqual({
      shard: 3,
      entryId: '1733480000123-0',
      event: {
        entryId: '3/1733480000123-0',
        accountId: ACCOUNT,
        seq: 7n,
        generationId: 'gen-1',
        kind: 'settle',
        chargeMicros: 1234n,
        totalMicros: 1234n,
        heldMicros: 5000n,
        emittedAt: new Date(1733480000123),
        usage: {
          requestId: 'req-1', keyId: KEY, model: 'openai/gpt-4.1-mini', requestedModel: null, protocol: 'openai',
          endpoint: 'chat.completions', stream: false, status: 200, outcome: 'completed', errorType: null,
          inputTokens: 10, outputTokens: 20, cachedInputTokens: 0, cacheWriteTokens: 0, usageEstimated: false,
          upstreamStatus: 200, channelId: null, attempts: 1, latencyMs: 5, upstreamLatencyMs: 3,
          createdAt: new Date('2026-12-06T10:00:00.000Z'),
          // The policy's columns, as the proxy recorded them (gw_wallet_apply once wrote them as null).
          provider: 'openai', reasoningTokens: 5, upstreamCostMicros: 1176n, finishReason: 'stop',
        },
      },
    });
  });

  it('reads a late refund (negative charge) and an event without a usage record', () => {
    expect(parseEntry(0, entry({ ...base, k: 'late', c: '-500', u: '' })).event).toMatchObject({
      kind: 'late',
      chargeMicros: -500n,
      usage: null,
    });
  });

  it.each([
    ['an unknown kind', { k: 'refund' }],
    ['an account that is no UUID', { a: 'acct-1' }],
    ['a non-integer amount', { c: '12.5' }],
    ['a missing seq', { s: '' }],
  ])('sets aside %s as malformed, never as money', (_, fields) => {
    const parsed = parseEntry(1, entry({ ...base, ...fields }));
    expect(parsed.event).toBeNull();
    expect(parsed.problem).toMatch(/malformed/);
  });

  it.each([
    ['not JSON', '{"status":', /not JSON/],
    ['not a JSON object', '[1,2]', /not a JSON object/],
    ['a status that is no number', JSON.stringify({ ...record, status: 'ok' }), /status is not a count/],
    ['a key that is no UUID', JSON.stringify({ ...record, key_id: 'k' }), /key_id is not a UUID/],
    ['a negative token count', JSON.stringify({ ...record, output_tokens: -1 }), /output_tokens is not a count/],
    ['an unknown provider', JSON.stringify({ ...record, provider: 'acme' }), /provider is not a provider/],
    ['an upstream cost that is no integer', JSON.stringify({ ...record, upstream_cost_micros: 1.5 }), /upstream_cost_micros is not an amount/],
  ])('keeps the money of an event whose usage record is %s, without the record', (_, u, problem) => {
    const parsed = parseEntry(1, entry({ ...base, u }));
    expect(parsed.event).toMatchObject({ chargeMicros: 1234n, usage: null });
    expect(parsed.problem).toMatch(problem);
  });
});

describe(abandonedUsage.name, () => {
  it('builds the usage record of a request whose process died from its hold context and last heartbeat', () => {
    const context = JSON.stringify({
      keyId: KEY, model: 'openai/gpt-4.1-mini', requestedModel: 'gpt-4.1-mini', protocol: 'openai',
      endpoint: 'chat.completions', stream: true, requestId: 'req-1', createdAt: '2026-12-06T10:00:00.000Z',
    });
    expect(abandonedUsage(context, '{"inputTokens":12,"outputTokens":34,"cachedInputTokens":-1}')).toEqual({
      requestId: 'req-1', keyId: KEY, model: 'openai/gpt-4.1-mini', requestedModel: 'gpt-4.1-mini', protocol: 'openai',
      endpoint: 'chat.completions', stream: true, status: 0, outcome: 'abandoned', errorType: null, inputTokens: 12,
      outputTokens: 34, cachedInputTokens: 0, cacheWriteTokens: 0, usageEstimated: true, upstreamStatus: null,
      channelId: null, attempts: 0, latencyMs: 0, upstreamLatencyMs: null, createdAt: new Date('2026-12-06T10:00:00.000Z'),
      provider: null, reasoningTokens: null, upstreamCostMicros: null, finishReason: null,
    });
    expect(abandonedUsage(context, '')).toMatchObject({ inputTokens: 0, outputTokens: 0 });
    expect(abandonedUsage('', '')).toBeNull();
  });

  it('reads no record from nothing (a cancelled hold)', () => {
    expect(usageRecord(null)).toBeNull();
  });

  it("reads a record from a proxy older than the policy's columns with them null", () => {
    const older = {
      request_id: 'req-2', key_id: KEY, model: 'openai/gpt-4.1-mini', protocol: 'openai', endpoint: 'responses',
      stream: false, status: 200, outcome: 'completed', input_tokens: 1, output_tokens: 2, cached_input_tokens: 0,
      cache_write_tokens: 0, attempts: 1, latency_ms: 1,
    };
    expect(usageRecord(older)).toMatchObject({ provider: null, reasoningTokens: null, upstreamCostMicros: null, finishReason: null });
  });
});

describe(trimPoint.name, () => {
  it('trims up to the retention cutoff, never past the oldest pending entry or the first undelivered one', () => {
    expect(trimPoint('1000-0', '2000-5', null)).toBe('1000-0');
    expect(trimPoint('1000-0', '900-3', null)).toBe('900-3');
    expect(trimPoint('1000-0', '2000-0', '800-1')).toBe('800-1');
    expect(compareEntryIds('10-2', '9-100')).toBe(1);
    expect(compareEntryIds('10-2', '10-10')).toBe(-1);
    expect(compareEntryIds('5-5', '5-5')).toBe(0);
  });
});

describe(settledUsageRow.name, () => {
  const row: UsageRecordRow = {
    generationId: 'gen-01J0000000000000000000000',
    requestId: 'req-1',
    accountId: ACCOUNT,
    keyId: KEY,
    model: 'anthropic/claude-haiku-4-5',
    requestedModel: 'claude-haiku-4-5',
    protocol: 'anthropic',
    endpoint: 'messages',
    stream: true,
    status: 200,
    outcome: 'upstream_dropped',
    errorType: 'upstream_error',
    inputTokens: 10,
    outputTokens: 20,
    cachedInputTokens: 3,
    cacheWriteTokens: 4,
    usageEstimated: true,
    reservedMicros: 5_000n,
    costMicros: 1_234n,
    overrunMicros: 0n,
    upstreamStatus: 200,
    channelId: null,
    attempts: 2,
    latencyMs: 50,
    upstreamLatencyMs: 30,
    createdAt: new Date('2026-12-06T10:00:00.000Z'),
    provider: 'anthropic',
    reasoningTokens: null,
    upstreamCostMicros: 1_176n,
    finishReason: null,
  };

  it('reads back the record the settlement kept (usageRowToJson) as the row it was', () => {
    expect(settledUsageRow(JSON.stringify(usageRowToJson(row)))).toEqual(row);
  });

  it('is null for what is not such a record', () => {
    const json = usageRowToJson(row);
    for (const text of ['', '{', '[]', 'null', JSON.stringify({ ...json, protocol: 'smtp' }), JSON.stringify({ ...json, outcome: 'lost' }),
      JSON.stringify({ ...json, account_id: 'nobody' }), JSON.stringify({ ...json, cost_micros: 1.5 }), JSON.stringify({ ...json, created_at: null })]) {
      expect(settledUsageRow(text)).toBeNull();
    }
  });
});

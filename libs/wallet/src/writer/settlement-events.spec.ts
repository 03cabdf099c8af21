import { abandonedUsage, parseEntry } from './settlement-events';
import { compareEntryIds, trimPoint } from './stream-ids';

const ACCOUNT = '6d30b904-619d-4e96-8d9f-cf06f9c53cf8';
const KEY = '11111111-2222-4333-8444-555555555555';

function entry(fields: Record<string, string>, id = '1733480000123-0'): [string, string[]] {
  return [id, Object.entries(fields).flat()];
}

describe(parseEntry.name, () => {
  const base = { a: ACCOUNT, g: 'gen-1', k: 'settle', c: '1234', t: '1234', h: '5000', s: '7', u: '{"status":200}', d: '' };

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
        usage: { status: 200 },
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
    ['usage that is not a JSON object', { u: '[1,2]' }],
    ['usage that is not JSON', { u: '{"status":' }],
  ])('sets aside %s as malformed, never as money', (_, fields) => {
    const parsed = parseEntry(1, entry({ ...base, ...fields }));
    expect(parsed.event).toBeNull();
    expect(parsed.problem).toMatch(/malformed/);
  });
});

describe(abandonedUsage.name, () => {
  it('builds the usage record of a request whose process died from its hold context and last heartbeat', () => {
    const context = JSON.stringify({
      keyId: KEY, model: 'openai/gpt-4.1-mini', requestedModel: 'gpt-4.1-mini', protocol: 'openai',
      endpoint: 'chat.completions', stream: true, requestId: 'req-1', createdAt: '2026-12-06T10:00:00.000Z',
    });
    expect(abandonedUsage(context, '{"inputTokens":12,"outputTokens":34,"cachedInputTokens":-1}')).toEqual({
      request_id: 'req-1', key_id: KEY, model: 'openai/gpt-4.1-mini', requested_model: 'gpt-4.1-mini',
      protocol: 'openai', endpoint: 'chat.completions', stream: true, status: 0, outcome: 'abandoned', error_type: null,
      input_tokens: 12, output_tokens: 34, cached_input_tokens: 0, cache_write_tokens: 0, usage_estimated: true,
      upstream_status: null, channel_id: null, attempts: 0, latency_ms: 0, upstream_latency_ms: null,
      created_at: '2026-12-06T10:00:00.000Z',
    });
    expect(abandonedUsage(context, '')).toMatchObject({ input_tokens: 0, output_tokens: 0 });
    expect(abandonedUsage('', '')).toBeNull();
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

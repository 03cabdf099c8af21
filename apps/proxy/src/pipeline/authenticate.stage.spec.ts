import { GatewayError } from '@gw/common';
import type { ApiKeyAuthRecord } from '@gw/db';
import type { ApiKeyCache } from '@gw/keys';
import { ACCOUNT_ID, apiKeyRecord, CHAT_ROUTE, KEY_ID } from '../../../../test/factories/proxy-stage.factory';
import type { AuthFailureLimiter } from '../middleware/auth-failure.limiter';
import { AuthenticateStage, extractApiKey } from './authenticate.stage';
import { openRequestContext } from './context.stage';

const KEY = `ck-${'a'.repeat(32)}`;
const CLIENT = { ip: '203.0.113.7' };

function setUp(records: { cached?: ApiKeyAuthRecord | null; stored?: ApiKeyAuthRecord | null; blocked?: boolean } = {}) {
  const keys = { peek: jest.fn(() => records.cached), get: jest.fn(async () => records.stored ?? null) };
  const blocked = () => (records.blocked ? Promise.reject(GatewayError.rateLimited(30)) : Promise.resolve());
  const failures = { assertNotBlocked: jest.fn(blocked), recordFailure: jest.fn(blocked) };
  const sut = new AuthenticateStage(keys as unknown as ApiKeyCache, failures as unknown as AuthFailureLimiter);
  return { sut, keys, failures, context: openRequestContext('/v1/chat/completions', undefined) };
}

describe(AuthenticateStage.name, () => {
  it('authenticates a cached usable key with no round trip, its ids typed', async () => {
    const { sut, keys, failures, context } = setUp({ cached: apiKeyRecord() });
    const caller = await sut.authenticate(context, CHAT_ROUTE, KEY, CLIENT);
    expect(caller).toMatchObject({ context, route: CHAT_ROUTE, accountId: ACCOUNT_ID, keyId: KEY_ID });
    expect(keys.get).not.toHaveBeenCalled();
    expect(failures.assertNotBlocked).not.toHaveBeenCalled();
  });

  it('looks an uncached key up once the address is known not to be blocked', async () => {
    const { sut, keys, failures, context } = setUp({ cached: undefined, stored: apiKeyRecord() });
    await expect(sut.authenticate(context, CHAT_ROUTE, KEY, CLIENT)).resolves.toMatchObject({ keyId: KEY_ID });
    expect(failures.assertNotBlocked).toHaveBeenCalledWith(CLIENT);
    expect(keys.get).toHaveBeenCalledTimes(1);
  });

  it.each<[string, Partial<ApiKeyAuthRecord>]>([
    ['revoked', { status: 'revoked' }],
    ['disabled', { status: 'disabled' }],
    ['expired', { expiresAt: new Date(Date.now() - 1_000) }],
    ['of a suspended account', { accountActive: false }],
  ])('refuses a key %s with 401, not counting it as a guess (it is a real key)', async (_case, overrides) => {
    const { sut, failures, context } = setUp({ cached: apiKeyRecord(overrides), stored: apiKeyRecord(overrides) });
    await expect(sut.authenticate(context, CHAT_ROUTE, KEY, CLIENT)).rejects.toMatchObject({ status: 401 });
    expect(failures.assertNotBlocked).toHaveBeenCalledWith(CLIENT);
    expect(failures.recordFailure).not.toHaveBeenCalled();
  });

  it('refuses a well-formed key that exists nowhere with 401, counting the guess', async () => {
    const { sut, failures, context } = setUp({ cached: undefined, stored: null });
    await expect(sut.authenticate(context, CHAT_ROUTE, KEY, CLIENT)).rejects.toMatchObject({ status: 401 });
    expect(failures.recordFailure).toHaveBeenCalledWith(CLIENT);
  });

  it('never looks up a malformed key, nor counts it', async () => {
    const { sut, keys, failures, context } = setUp();
    await expect(sut.authenticate(context, CHAT_ROUTE, 'sk-not-ours', CLIENT)).rejects.toMatchObject({ status: 401 });
    expect(keys.peek).not.toHaveBeenCalled();
    expect(keys.get).not.toHaveBeenCalled();
    expect(failures.recordFailure).not.toHaveBeenCalled();
  });

  it('answers a blocked address 429, whatever the key, and labels it for the throttling metric', async () => {
    const { sut, keys, context } = setUp({ stored: apiKeyRecord(), blocked: true });
    await expect(sut.authenticate(context, CHAT_ROUTE, KEY, CLIENT)).rejects.toMatchObject({ status: 429 });
    expect(keys.get).not.toHaveBeenCalled();
    expect(context.throttledBy).toBe('auth_failure');
  });

  it('refuses a request with nothing shaped like a key before its body (requireKey), uncounted, and passes a well-formed one', async () => {
    const { sut, failures, context } = setUp();
    await expect(sut.requireKey(context, null, CLIENT)).rejects.toMatchObject({ status: 401 });
    await expect(sut.requireKey(context, 'sk-not-ours', CLIENT)).rejects.toMatchObject({ status: 401 });
    expect(failures.recordFailure).not.toHaveBeenCalled();
    await expect(sut.requireKey(context, KEY, CLIENT)).resolves.toBeUndefined();
    expect(failures.assertNotBlocked).toHaveBeenCalledTimes(2);
  });

  it('answers a keyless request from a blocked address 429 (requireKey)', async () => {
    const { sut, context } = setUp({ blocked: true });
    await expect(sut.requireKey(context, null, CLIENT)).rejects.toMatchObject({ status: 429 });
    expect(context.throttledBy).toBe('auth_failure');
  });
});

describe(extractApiKey.name, () => {
  const carrier = (headers: Record<string, string>, rawHeaders: string[] = [], query: Record<string, unknown> = {}) => ({
    headers,
    rawHeaders,
    query,
  });

  it('reads Bearer, else x-api-key; Authorization wins', () => {
    expect(extractApiKey('openai', carrier({ authorization: `Bearer ${KEY}` }, ['Authorization', `Bearer ${KEY}`]))).toBe(KEY);
    expect(extractApiKey('anthropic', carrier({ 'x-api-key': ` ${KEY} ` }))).toBe(KEY);
    const both = carrier({ authorization: `Bearer ${KEY}`, 'x-api-key': 'other' }, ['authorization', `Bearer ${KEY}`]);
    expect(extractApiKey('openai', both)).toBe(KEY);
    expect(extractApiKey('openai', carrier({}))).toBeNull();
  });

  it('has no key when Authorization is repeated (Node keeps only the first)', () => {
    const raw = ['Authorization', `Bearer ${KEY}`, 'authorization', 'Bearer other'];
    expect(extractApiKey('openai', carrier({ authorization: `Bearer ${KEY}` }, raw))).toBeNull();
  });

  it('reads Gemini keys from Authorization, then x-goog-api-key, then ?key=', () => {
    const all = carrier({ authorization: `Bearer ${KEY}`, 'x-goog-api-key': 'header' }, ['authorization', `Bearer ${KEY}`], { key: 'query' });
    expect(extractApiKey('gemini', all)).toBe(KEY);
    expect(extractApiKey('gemini', carrier({ 'x-goog-api-key': ` ${KEY}` }, [], { key: 'query' }))).toBe(KEY);
    expect(extractApiKey('gemini', carrier({}, [], { key: KEY }))).toBe(KEY);
    expect(extractApiKey('gemini', carrier({}, [], { key: '' }))).toBeNull();
  });

  it("takes each protocol's own sources only, and no key from a repeated ?key=", () => {
    expect(extractApiKey('openai', carrier({ 'x-goog-api-key': KEY }, [], { key: KEY }))).toBeNull();
    expect(extractApiKey('gemini', carrier({ 'x-api-key': KEY }))).toBeNull();
    expect(extractApiKey('gemini', carrier({}, [], { key: [KEY, KEY] }))).toBeNull();
  });
});

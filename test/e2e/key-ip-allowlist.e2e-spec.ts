import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { heldNow } from '../support/books';
import {
  authHeaders,
  errorBody,
  generationRequest,
  Protocol,
  PROTOCOLS,
  sdkGenerate,
  SdkOutcome,
} from '../support/protocol-clients';
import { closeTestDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';

const DENIED = 'IP address not allowed for this key';
const MODEL_NAMES: Record<Protocol, string> = { openai: '', anthropic: '', gemini: '' };
const PROVIDER = { openai: 'openai', anthropic: 'anthropic', gemini: 'google' } as const;

/** A key of a new funded account with `ipAllowlist`. */
async function keyFrom(ipAllowlist: string[]) {
  const account = await createAccount({ balanceUsd: '10.00' });
  return { accountId: account.id, key: (await createApiKey(account.id, { ipAllowlist })).key };
}

function generate(protocol: Protocol, baseUrl: string, key: string, headers: Record<string, string> = {}): Promise<SdkOutcome> {
  return sdkGenerate(protocol, { baseUrl, key, model: MODEL_NAMES[protocol], content: 'hi mock:output_tokens=3', maxTokens: 20, headers });
}

function expectDenied(outcome: SdkOutcome): void {
  expect(outcome).toMatchObject({ ok: false, status: 403 });
  expect((outcome as { message: string }).message).toContain(DENIED);
}

describe('Per-key IP allow-list (ipAllowlist), on every protocol', () => {
  beforeAll(async () => {
    for (const protocol of PROTOCOLS) MODEL_NAMES[protocol] = (await createModel({ provider: PROVIDER[protocol] })).alias;
  });

  afterAll(async () => {
    await closeTestDb();
  });

  describe('the TCP peer (TRUST_PROXY unset), a proxy listening on IPv6 and IPv4 (::)', () => {
    let proxy: AppProcess;
    let v4: string;
    let v6: string;

    beforeAll(async () => {
      proxy = await AppProcess.start('proxy', { HOST: '::' });
      const port = /:(\d+)$/.exec(proxy.url)![1];
      // Over IPv4 the peer is reported IPv4-mapped (::ffff:127.0.0.1); over IPv6 it is ::1.
      v4 = `http://127.0.0.1:${port}`;
      v6 = `http://[::1]:${port}`;
    });

    afterAll(async () => {
      await proxy?.stop();
    });

    describe.each(PROTOCOLS)('%s', (protocol) => {
      it('serves an IPv4 entry (the peer IPv4-mapped) and refuses the IPv6 peer', async () => {
        const { key } = await keyFrom(['127.0.0.1']);
        expect(await generate(protocol, v4, key)).toMatchObject({ ok: true, outputTokens: 3 });
        expectDenied(await generate(protocol, v6, key));
      });

      it('serves an IPv6 entry and refuses the IPv4 peer', async () => {
        const { key } = await keyFrom(['::1']);
        expect(await generate(protocol, v6, key)).toMatchObject({ ok: true });
        expectDenied(await generate(protocol, v4, key));
      });

      it('serves from inside a CIDR range and refuses outside it', async () => {
        const inside = await keyFrom(['127.0.0.0/8', '2001:db8::/32']);
        expect(await generate(protocol, v4, inside.key)).toMatchObject({ ok: true });
        const outside = await keyFrom(['10.0.0.0/8', '::2/128']);
        expectDenied(await generate(protocol, v4, outside.key));
        expectDenied(await generate(protocol, v6, outside.key));
      });

      it('ignores X-Forwarded-For: a listed address in the header does not open the key', async () => {
        const { key } = await keyFrom(['198.51.100.0/24']);
        expectDenied(await generate(protocol, v4, key, { 'x-forwarded-for': '198.51.100.7' }));
      });

      it('answers in the protocol error format, reserving nothing; an empty list allows any address', async () => {
        const { accountId, key } = await keyFrom(['10.9.8.7']);
        const { path, body } = generationRequest(protocol, MODEL_NAMES[protocol], 'hi', 20);
        const response = await fetch(`${v4}${path}`, {
          method: 'POST',
          headers: { ...authHeaders(protocol, key), 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(response.status).toBe(403);
        expect(await response.json()).toEqual(errorBody(protocol, 403, DENIED));
        const generationId = response.headers.get('x-chuizi-generation-id');
        expect(generationId).toMatch(/^gen-/);
        expect(await heldNow(accountId)).toBe(0n);
        // Like every refusal before the upstream call, it leaves a `rejected` usage record that charged nothing
        // (spec/proxy.md: one per request, whatever the outcome), which another key of the account can look up.
        const lookupKey = (await createApiKey(accountId)).key;
        const record = await waitFor(async () => {
          const lookup = await fetch(`${v4}/v1/generation?id=${generationId}`, { headers: { authorization: `Bearer ${lookupKey}` } });
          return lookup.status === 200 ? ((await lookup.json()) as { data: unknown }).data : undefined;
        });
        expect(record).toMatchObject({ status: 403, outcome: 'rejected', costUsd: '0.000000', inputTokens: 0, outputTokens: 0 });

        // An authenticated answer: X-RateLimit-* (and the token headers of a key with tpmLimit) on it, describing the
        // tiers as they stand; the refusal counts in none of them, however often it is repeated.
        const limited = await createApiKey(accountId, { ipAllowlist: ['10.9.8.7'], rpmLimit: 5, tpmLimit: 1_000 });
        for (let i = 0; i < 2; i++) {
          const refused = await fetch(`${v4}${path}`, {
            method: 'POST',
            headers: { ...authHeaders(protocol, limited.key), 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          expect(refused.status).toBe(403);
          expect(['limit', 'remaining', 'reset', 'limit-tokens', 'remaining-tokens'].map((name) => refused.headers.get(`x-ratelimit-${name}`))).toEqual(
            ['5', '5', '0', '1000', '1000'],
          );
        }

        const open = await keyFrom([]);
        expect(await generate(protocol, v6, open.key)).toMatchObject({ ok: true });
        expect(await generate(protocol, v4, open.key)).toMatchObject({ ok: true });
      });
    });
  });

  describe('behind a trusted load balancer (TRUST_PROXY=127.0.0.1: the X-Forwarded-For address)', () => {
    let proxy: AppProcess;

    beforeAll(async () => {
      proxy = await AppProcess.start('proxy', { TRUST_PROXY: '127.0.0.1' });
    });

    afterAll(async () => {
      await proxy?.stop();
    });

    describe.each(PROTOCOLS)('%s', (protocol) => {
      const from = (key: string, address: string) => generate(protocol, proxy.url, key, { 'x-forwarded-for': address });

      it('judges the forwarded IPv4 and IPv6 addresses against the list, IPv4-mapped ones as IPv4', async () => {
        const { key } = await keyFrom(['198.51.100.0/24', '2001:db8:1::/48']);
        expect(await from(key, '198.51.100.9')).toMatchObject({ ok: true });
        expect(await from(key, '::ffff:198.51.100.10')).toMatchObject({ ok: true });
        expect(await from(key, '2001:db8:1:ffff::5')).toMatchObject({ ok: true });
        expectDenied(await from(key, '198.51.101.9'));
        expectDenied(await from(key, '2001:db8:2::5'));
        // The load balancer's own address is not the client's.
        expectDenied(await generate(protocol, proxy.url, key));
      });
    });
  });
});

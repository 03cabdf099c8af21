import { sha256Hex } from '../../libs/common/src';
import { loadConfig } from '../../libs/config/src';
import { ApiKeysRepository, PrismaService } from '../../libs/db/src';
import { ApiKeyCache, effectiveRpmLimits } from '../../libs/keys/src';
import { CacheInvalidationBus, RedisService } from '../../libs/redis/src';
import { AdminApi, expectError } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { BROADCAST_ONLY_ENV, PROPAGATION_WAIT_MS } from '../support/propagation';
import { closeTestDb, testDb } from '../support/test-db';
import { testEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';

/**
 * Key and account policy through the admin API (spec/policy.md, "Per-key policy" and "Admin API additions"), and its
 * arrival in the key records a proxy holds: this suite runs the same key cache a proxy runs (libs/keys), with the
 * cache lifetime of BROADCAST_ONLY_ENV, so a change it sees came by invalidation.
 */
describe('admin API: key policy and account limits', () => {
  let admin: AppProcess;
  let api: AdminApi;
  let support: AdminApi;
  let finance: AdminApi;
  let prisma: PrismaService;
  let redis: RedisService;
  let bus: CacheInvalidationBus;
  let cache: ApiKeyCache;

  beforeAll(async () => {
    admin = await AppProcess.start('admin');
    api = new AdminApi(admin.url);
    support = api.as((await api.createStaff('support')).token);
    finance = api.as((await api.createStaff('finance')).token);
    const config = loadConfig(testEnv({ ...BROADCAST_ONLY_ENV, DB_POOL_MAX: '2' }));
    prisma = new PrismaService(config);
    redis = new RedisService(config);
    bus = new CacheInvalidationBus(redis);
    cache = new ApiKeyCache(new ApiKeysRepository(prisma), bus, config);
    cache.onModuleInit();
    await bus.onModuleInit();
  });

  afterAll(async () => {
    await admin?.stop();
    await bus?.onModuleDestroy();
    await redis?.onModuleDestroy();
    await prisma?.onModuleDestroy();
    await closeTestDb();
  });

  async function newAccount(): Promise<string> {
    return (await api.createAccount()).id;
  }

  async function createKey(accountId: string, body: Record<string, unknown> = {}, as = api) {
    const created = await as.post('/admin/v1/keys', { accountId, name: 'policy key', ...body });
    expect(created.status).toBe(201);
    return created.body as { id: string; key: string } & Record<string, unknown>;
  }

  /** The key record a proxy would use for this key, as soon as it satisfies `done`. */
  function recordOnceItShows(key: string, done: (record: NonNullable<Awaited<ReturnType<ApiKeyCache['get']>>>) => boolean) {
    return waitFor(async () => {
      const record = await cache.get(sha256Hex(key));
      return record && done(record) ? record : null;
    }, PROPAGATION_WAIT_MS);
  }

  describe('keys', () => {
    it('takes ipAllowlist, dailyLimitUsd and tpmLimit at creation and shows them in every view, addresses in canonical form', async () => {
      const accountId = await newAccount();
      const created = await createKey(accountId, {
        ipAllowlist: ['203.0.113.7', '10.0.0.0/8', '2001:DB8::/32', '203.0.113.7/32'],
        dailyLimitUsd: '10.5',
        tpmLimit: 40_000,
      });
      const policy = { ipAllowlist: ['203.0.113.7', '10.0.0.0/8', '2001:db8::/32'], dailyLimitUsd: '10.500000', tpmLimit: 40_000 };
      expect(created).toMatchObject(policy);
      expect((await api.get(`/admin/v1/keys/${created.id}`)).body).toMatchObject(policy);
      expect((await api.listAll(`/admin/v1/keys?accountId=${accountId}`)).find((key) => key.id === created.id)).toMatchObject(policy);

      const record = await cache.get(sha256Hex(created.key));
      expect(record).toMatchObject({ ipAllowlist: policy.ipAllowlist, dailyLimitMicros: 10_500_000n, tpmLimit: 40_000 });
      expect(record!.allowedIps.allows('10.20.30.40')).toBe(true);
      expect(record!.allowedIps.allows('::ffff:203.0.113.7')).toBe(true);
      expect(record!.allowedIps.allows('192.0.2.1')).toBe(false);
    });

    it('without them: any address, no daily cap, no token limit', async () => {
      const created = await createKey(await newAccount());
      expect(created).toMatchObject({ ipAllowlist: [], dailyLimitUsd: null, tpmLimit: null });
      const record = await cache.get(sha256Hex(created.key));
      expect(record!.allowedIps.restricted).toBe(false);
      expect(record).toMatchObject({ dailyLimitMicros: null, tpmLimit: null });
    });

    it('support sets the policy with PATCH, audited, and the key record follows by broadcast; null clears it', async () => {
      const created = await createKey(await newAccount(), {}, support);
      await cache.get(sha256Hex(created.key)); // cached: only an invalidation can change it now

      const patched = await support.patch(`/admin/v1/keys/${created.id}`, {
        ipAllowlist: ['198.51.100.0/24'],
        dailyLimitUsd: '0.005',
        tpmLimit: 1_000,
      });
      expect(patched).toMatchObject({ status: 200, body: { ipAllowlist: ['198.51.100.0/24'], dailyLimitUsd: '0.005000', tpmLimit: 1_000 } });
      const record = await recordOnceItShows(created.key, (r) => r.tpmLimit === 1_000);
      expect(record).toMatchObject({ ipAllowlist: ['198.51.100.0/24'], dailyLimitMicros: 5_000n });
      expect(record.allowedIps.allows('198.51.100.9')).toBe(true);
      expect(record.allowedIps.allows('127.0.0.1')).toBe(false);

      const cleared = await support.patch(`/admin/v1/keys/${created.id}`, { ipAllowlist: [], dailyLimitUsd: null, tpmLimit: null });
      expect(cleared.body).toMatchObject({ ipAllowlist: [], dailyLimitUsd: null, tpmLimit: null });
      await recordOnceItShows(created.key, (r) => r.tpmLimit === null && !r.allowedIps.restricted && r.dailyLimitMicros === null);

      const entries = await api.auditOf(`api_key:${created.id}`);
      expect(entries.map((entry) => entry.action)).toEqual(['api_key.update', 'api_key.update', 'api_key.create']);
      expect(entries[1]).toMatchObject({
        before: { ipAllowlist: [], dailyLimitUsd: null, tpmLimit: null },
        after: { ipAllowlist: ['198.51.100.0/24'], dailyLimitUsd: '0.005000', tpmLimit: 1_000 },
      });
    });

    it('support still may not rename a key or change its models, and finance may not touch keys', async () => {
      const created = await createKey(await newAccount());
      expectError(await support.patch(`/admin/v1/keys/${created.id}`, { name: 'x', tpmLimit: 5 }), 403, 'permission_error', /not: name/);
      expectError(await finance.patch(`/admin/v1/keys/${created.id}`, { tpmLimit: 5 }), 403, 'permission_error');
    });

    it.each([
      [{ ipAllowlist: ['10.0.0.1/8'] }, /'ipAllowlist': '10\.0\.0\.1\/8' has host bits set: the network is 10\.0\.0\.0\/8/],
      [{ ipAllowlist: ['10.0.0.0/33'] }, /'ipAllowlist': .*invalid prefix length/],
      [{ ipAllowlist: ['not-an-address'] }, /'ipAllowlist': 'not-an-address' is not an IPv4 or IPv6 address/],
      [{ ipAllowlist: ['fe80::1%eth0'] }, /'ipAllowlist'/],
      [{ ipAllowlist: [42] }, /'ipAllowlist'/],
      [{ ipAllowlist: '10.0.0.0/8' }, /'ipAllowlist'/],
      [{ ipAllowlist: null }, /'ipAllowlist'/],
      [{ ipAllowlist: Array.from({ length: 101 }, (_, i) => `10.0.${i}.0/24`) }, /'ipAllowlist'/],
      [{ dailyLimitUsd: '-1' }, /'dailyLimitUsd'/],
      [{ dailyLimitUsd: '1.0000001' }, /'dailyLimitUsd'/],
      [{ dailyLimitUsd: 10 }, /'dailyLimitUsd'/],
      [{ dailyLimitUsd: '1000000.01' }, /'dailyLimitUsd'/],
      [{ tpmLimit: 0 }, /'tpmLimit'/],
      [{ tpmLimit: -5 }, /'tpmLimit'/],
      [{ tpmLimit: 1.5 }, /'tpmLimit'/],
      [{ tpmLimit: '1000' }, /'tpmLimit'/],
    ])('refuses %j on create and on PATCH with a 400 naming the field', async (body, message) => {
      const accountId = await newAccount();
      expectError(await api.post('/admin/v1/keys', { accountId, name: 'bad', ...body }), 400, 'invalid_request_error', message);
      const created = await createKey(accountId);
      expectError(await api.patch(`/admin/v1/keys/${created.id}`, body), 400, 'invalid_request_error', message);
      expect((await api.get(`/admin/v1/keys/${created.id}`)).body).toMatchObject({ ipAllowlist: [], dailyLimitUsd: null, tpmLimit: null });
    });

    it('takes a daily limit of 0 (the key may spend nothing) and the largest one', async () => {
      const accountId = await newAccount();
      expect((await createKey(accountId, { dailyLimitUsd: '0' })).dailyLimitUsd).toBe('0.000000');
      expect((await createKey(accountId, { dailyLimitUsd: '1000000' })).dailyLimitUsd).toBe('1000000.000000');
    });
  });

  describe('accounts', () => {
    it('PUT rpm-limit sets the key default and the aggregate; GET shows them; the key records follow by broadcast', async () => {
      const accountId = await newAccount();
      const [plain, own] = [await createKey(accountId), await createKey(accountId, { rpmLimit: 500 })];
      for (const key of [plain, own]) await cache.get(sha256Hex(key.key));
      expect((await api.get(`/admin/v1/accounts/${accountId}`)).body).toMatchObject({ rpmLimit: null, accountRpmLimit: null });

      const set = await support.put(`/admin/v1/accounts/${accountId}/rpm-limit`, { rpm: 10, accountRpm: 700 });
      expect(set).toMatchObject({ status: 200, body: { id: accountId, rpmLimit: 10, accountRpmLimit: 700 } });
      expect((await api.get(`/admin/v1/accounts/${accountId}`)).body).toMatchObject({ rpmLimit: 10, accountRpmLimit: 700 });

      // Every key of the account, not only one: the records carry the account's limits.
      const plainRecord = await recordOnceItShows(plain.key, (r) => r.account.rpmLimit === 10);
      const ownRecord = await recordOnceItShows(own.key, (r) => r.account.accountRpmLimit === 700);
      expect(effectiveRpmLimits(plainRecord, 60)).toEqual({ key: 10, account: 700 });
      expect(effectiveRpmLimits(ownRecord, 60)).toEqual({ key: 500, account: 700 });

      // A field left out is kept; null goes back to the default.
      expect((await support.put(`/admin/v1/accounts/${accountId}/rpm-limit`, { accountRpm: null })).body).toMatchObject({
        rpmLimit: 10,
        accountRpmLimit: null,
      });
      const back = await recordOnceItShows(own.key, (r) => r.account.accountRpmLimit === null);
      expect(effectiveRpmLimits(back, 60)).toEqual({ key: 500, account: 1_000 });

      const entries = await api.auditOf(`account:${accountId}`, { action: 'account.rpm_limit' });
      expect(entries.map((entry) => [entry.before, entry.after])).toEqual([
        [{ rpmLimit: 10, accountRpmLimit: 700 }, { rpmLimit: 10, accountRpmLimit: null }],
        [{ rpmLimit: null, accountRpmLimit: null }, { rpmLimit: 10, accountRpmLimit: 700 }],
      ]);
    });

    it('finance may read the limits but not set them', async () => {
      const accountId = await newAccount();
      expectError(await finance.put(`/admin/v1/accounts/${accountId}/rpm-limit`, { rpm: 5 }), 403, 'permission_error');
      expect((await finance.get(`/admin/v1/accounts/${accountId}`)).body).toMatchObject({ rpmLimit: null });
    });

    it.each([
      [{ rpm: 0 }, /'rpm'/],
      [{ rpm: 100_001 }, /'rpm'/],
      [{ rpm: '5' }, /'rpm'/],
      [{ accountRpm: -1 }, /'accountRpm'/],
      [{ accountRpm: 1.5 }, /'accountRpm'/],
      [{ accountRpm: 1_000_001 }, /'accountRpm'/],
      [{ rpm: 5, burst: 10 }, /Unrecognized field 'burst'/],
    ])('refuses %j with a 400 naming the field', async (body, message) => {
      const accountId = await newAccount();
      expectError(await api.put(`/admin/v1/accounts/${accountId}/rpm-limit`, body), 400, 'invalid_request_error', message);
    });

    it('404 for an unknown or malformed account', async () => {
      expectError(await api.put('/admin/v1/accounts/00000000-0000-4000-8000-000000000000/rpm-limit', { rpm: 5 }), 404, 'not_found');
      expectError(await api.put('/admin/v1/accounts/nope/rpm-limit', { rpm: 5 }), 404, 'not_found');
    });

    it('stores what the API says (a database row written past it is what the records carry)', async () => {
      const accountId = await newAccount();
      await api.put(`/admin/v1/accounts/${accountId}/rpm-limit`, { rpm: 3, accountRpm: 4 });
      const db = await testDb();
      expect(await db.account.findUniqueOrThrow({ where: { id: accountId }, select: { rpmLimit: true, accountRpmLimit: true } })).toEqual({
        rpmLimit: 3,
        accountRpmLimit: 4,
      });
    });
  });
});

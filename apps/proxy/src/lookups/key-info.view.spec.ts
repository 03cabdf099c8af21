import type { KeyInfoRecord } from '@gw/db';
import { apiKeyRecord } from '../../../../test/factories/api-key-record.factory';
import { keyInfoView } from './key-info.view';

const CREATED = new Date('2026-12-01T10:00:00.000Z');
const stored = (overrides: Partial<KeyInfoRecord> = {}): KeyInfoRecord => ({
  prefix: 'ck-AbCd…wxYz',
  name: 'ci key',
  status: 'active',
  createdAt: CREATED,
  lastUsedAt: null,
  balanceMicros: 1n,
  reservedMicros: 2n,
  spentTodayMicros: 3n,
  usageToday: { requests: 4, inputTokens: 50, outputTokens: 60, costMicros: 1_234_567n },
  ...overrides,
});
const money = { balanceMicros: 12_500_000n, reservedMicros: 250_000n, spentTodayMicros: 5_000n };

describe(keyInfoView.name, () => {
  it("shows the key's policy as enforced, the store's money as 6-decimal strings, today's usage", () => {
    const expiresAt = new Date('2027-01-01T00:00:00.000Z');
    const key = apiKeyRecord({
      allowedModels: ['openai/gpt-4.1-mini'],
      ipAllowlist: ['10.0.0.0/8'],
      dailyLimitMicros: 10_000_000n,
      tpmLimit: 1_000,
      expiresAt,
      rpmLimit: 30,
    });
    expect(keyInfoView(key, stored({ lastUsedAt: CREATED }), money, 60)).toEqual({
      keyPrefix: 'ck-AbCd…wxYz',
      name: 'ci key',
      status: 'active',
      balanceUsd: '12.500000',
      reservedUsd: '0.250000',
      rpmLimit: 30,
      accountRpmLimit: 60,
      tpmLimit: 1_000,
      dailyLimitUsd: '10.000000',
      spentTodayUsd: '0.005000',
      allowedModels: ['openai/gpt-4.1-mini'],
      ipAllowlist: ['10.0.0.0/8'],
      expiresAt: '2027-01-01T00:00:00.000Z',
      createdAt: '2026-12-01T10:00:00.000Z',
      lastUsedAt: '2026-12-01T10:00:00.000Z',
      usageToday: { requests: 4, inputTokens: 50, outputTokens: 60, costUsd: '1.234567' },
    });
  });

  it('gives the effective limits: the account default, else DEFAULT_RPM; the account tier its own, else twice the key tier', () => {
    const limits = (account: { rpmLimit: number | null; accountRpmLimit: number | null }, rpmLimit: number | null = null) => {
      const view = keyInfoView(apiKeyRecord({ rpmLimit, account }), stored(), money, 60);
      return [view.rpmLimit, view.accountRpmLimit];
    };
    expect(limits({ rpmLimit: null, accountRpmLimit: null })).toEqual([60, 120]);
    expect(limits({ rpmLimit: 200, accountRpmLimit: null })).toEqual([200, 400]);
    expect(limits({ rpmLimit: 200, accountRpmLimit: 700 }, 500)).toEqual([500, 700]);
  });

  it('shows no cap, no expiry and no use as null, and never the key id or anything of the key itself', () => {
    const view = keyInfoView(apiKeyRecord(), stored(), money, 60);
    expect(view).toMatchObject({ dailyLimitUsd: null, tpmLimit: null, expiresAt: null, lastUsedAt: null });
    expect(JSON.stringify(view)).not.toContain(apiKeyRecord().id);
  });
});

import { capabilitiesOf } from '../access/capabilities';
import type { ApiKey } from '../api/types';
import { describeField, effectiveRpm, initialValues, KEY_PATCH_FIELDS, keyChanges } from './key-settings';

const key: ApiKey = {
  id: 'k1',
  accountId: 'a1',
  name: 'ci',
  prefix: 'ck-abcd…wxyz',
  status: 'active',
  allowedModels: ['gpt-4.1-mini'],
  rpmLimit: null,
  ipAllowlist: [],
  dailyLimitUsd: null,
  tpmLimit: null,
  expiresAt: null,
  revokedAt: null,
  createdAt: '2026-12-01T00:00:00.000Z',
};
const admin = capabilitiesOf('admin');
const support = capabilitiesOf('support');
const finance = capabilitiesOf('finance');
const withLists = (lists: Partial<ReturnType<typeof initialValues>['lists']>) => ({
  ...initialValues(key),
  lists: { ...initialValues(key).lists, ...lists },
});
const withTexts = (texts: Partial<ReturnType<typeof initialValues>['texts']>, of = key) => ({
  ...initialValues(of),
  texts: { ...initialValues(of).texts, ...texts },
});

describe(keyChanges.name, () => {
  it('sends nothing when nothing changed', () => {
    expect(keyChanges(key, initialValues(key), admin)).toEqual({ ok: true, changes: {} });
  });

  it('sends the RPM override through its own call, and null for an emptied field', () => {
    expect(keyChanges(key, { ...initialValues(key), rpmLimit: ' 500 ' }, support)).toEqual({ ok: true, changes: { rpm: 500 } });
    const overridden = { ...key, rpmLimit: 500 };
    expect(keyChanges(overridden, { ...initialValues(overridden), rpmLimit: '' }, support)).toEqual({
      ok: true,
      changes: { rpm: null },
    });
  });

  it('lets the API judge numbers it refuses (0, 1.5, too many) and refuses only what is not a number', () => {
    expect(keyChanges(key, { ...initialValues(key), rpmLimit: '1.5' }, admin)).toEqual({ ok: true, changes: { rpm: 1.5 } });
    expect(keyChanges(key, { ...initialValues(key), rpmLimit: 'lots' }, admin)).toMatchObject({ ok: false, field: 'rpmLimit' });
  });

  it('patches allowed models for admin only', () => {
    const values = withLists({ allowedModels: ['gpt-4.1-mini', ' claude-haiku-4-5 ', ''] });
    expect(keyChanges(key, values, admin)).toEqual({
      ok: true,
      changes: { patch: { allowedModels: ['gpt-4.1-mini', 'claude-haiku-4-5'] } },
    });
    expect(keyChanges(key, values, support)).toEqual({ ok: true, changes: {} });
  });

  it('patches the key policy for support and admin, not finance', () => {
    const values = { ...withTexts({ dailyLimitUsd: ' 10.5 ', tpmLimit: '40000' }), lists: { ...initialValues(key).lists, ipAllowlist: ['10.0.0.0/8'] } };
    const policy = { ipAllowlist: ['10.0.0.0/8'], dailyLimitUsd: '10.5', tpmLimit: 40_000 };
    expect(keyChanges(key, values, support)).toEqual({ ok: true, changes: { patch: policy } });
    expect(keyChanges(key, values, admin)).toEqual({ ok: true, changes: { patch: policy } });
    expect(keyChanges(key, values, finance)).toEqual({ ok: true, changes: {} });
  });

  it('compares a daily limit as money ("10" is the API\'s "10.000000"), and clears with an empty field', () => {
    const limited = { ...key, dailyLimitUsd: '10.000000', tpmLimit: 5 };
    expect(keyChanges(limited, withTexts({ dailyLimitUsd: '10', tpmLimit: '5' }, limited), support)).toEqual({ ok: true, changes: {} });
    expect(keyChanges(limited, withTexts({ dailyLimitUsd: '', tpmLimit: '' }, limited), support)).toEqual({
      ok: true,
      changes: { patch: { dailyLimitUsd: null, tpmLimit: null } },
    });
    // More than 6 decimals goes to the API, which names the field.
    expect(keyChanges(limited, withTexts({ dailyLimitUsd: '10.0000001' }, limited), support)).toEqual({
      ok: true,
      changes: { patch: { dailyLimitUsd: '10.0000001' } },
    });
  });

  it('refuses only what is not a number, naming the field', () => {
    expect(keyChanges(key, withTexts({ tpmLimit: 'many' }), support)).toMatchObject({ ok: false, field: 'tpmLimit' });
    expect(keyChanges(key, withTexts({ dailyLimitUsd: '$5' }), support)).toMatchObject({ ok: false, field: 'dailyLimitUsd' });
    expect(keyChanges(key, withTexts({ tpmLimit: '-1' }), support)).toEqual({ ok: true, changes: { patch: { tpmLimit: -1 } } });
  });
});

describe(describeField.name, () => {
  const field = (name: string) => KEY_PATCH_FIELDS.find((entry) => entry.name === name)!;

  it('reads each value, or what its absence means', () => {
    const limited = { ...key, ipAllowlist: ['10.0.0.0/8', '203.0.113.7'], dailyLimitUsd: '0.005000', tpmLimit: 40_000 };
    expect(describeField(field('ipAllowlist'), limited)).toBe('10.0.0.0/8, 203.0.113.7');
    expect(describeField(field('dailyLimitUsd'), limited)).toBe('$0.005 per UTC day');
    expect(describeField(field('tpmLimit'), limited)).toBe('40000 tokens per minute');
    const open = { ...key, allowedModels: [] };
    expect(KEY_PATCH_FIELDS.map((entry) => describeField(entry, open))).toEqual(['every model', 'any address', 'no cap', 'no limit']);
  });
});

describe(effectiveRpm.name, () => {
  it('says which limit applies and where it comes from', () => {
    expect(effectiveRpm({ rpmLimit: null }, null, 60)).toBe('60 requests per minute (default)');
    expect(effectiveRpm({ rpmLimit: 500 }, 10, 60)).toBe('500 requests per minute (override)');
    expect(effectiveRpm({ rpmLimit: null }, 10, 60)).toBe('10 requests per minute (account default)');
    expect(effectiveRpm({ rpmLimit: null }, null, null)).toBe('the default limit (DEFAULT_RPM)');
  });
});

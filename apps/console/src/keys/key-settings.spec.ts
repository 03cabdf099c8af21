import { capabilitiesOf } from '../access/capabilities';
import type { ApiKey } from '../api/types';
import { effectiveRpm, initialValues, keyChanges } from './key-settings';

const key: ApiKey = {
  id: 'k1',
  accountId: 'a1',
  name: 'ci',
  prefix: 'ck-abcd…wxyz',
  status: 'active',
  allowedModels: ['gpt-4.1-mini'],
  rpmLimit: null,
  expiresAt: null,
  revokedAt: null,
  createdAt: '2026-12-01T00:00:00.000Z',
};
const admin = capabilitiesOf('admin');
const support = capabilitiesOf('support');

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
    const values = { ...initialValues(key), fields: { allowedModels: ['gpt-4.1-mini', ' claude-haiku-4-5 ', ''] } };
    expect(keyChanges(key, values, admin)).toEqual({
      ok: true,
      changes: { patch: { allowedModels: ['gpt-4.1-mini', 'claude-haiku-4-5'] } },
    });
    expect(keyChanges(key, values, support)).toEqual({ ok: true, changes: {} });
  });
});

describe(effectiveRpm.name, () => {
  it('says which limit applies and where it comes from', () => {
    expect(effectiveRpm({ rpmLimit: null }, 60)).toBe('60 requests per minute (default)');
    expect(effectiveRpm({ rpmLimit: 500 }, 60)).toBe('500 requests per minute (override)');
    expect(effectiveRpm({ rpmLimit: null }, null)).toBe('the default limit (DEFAULT_RPM)');
  });
});

import { GatewayError } from '@gw/common';
import type { Actor } from '../shared/actor';
import { assertMayPatch } from './api-key-patch.policy';

const as = (role: Actor['role']): Actor => ({ staffId: 's', role, requestId: null });

describe(assertMayPatch.name, () => {
  it('lets admin change every field', () => {
    expect(() =>
      assertMayPatch(as('admin'), { name: 'n', status: 'disabled', allowedModels: [], expiresAt: null }),
    ).not.toThrow();
  });

  it('lets support disable and enable', () => {
    expect(() => assertMayPatch(as('support'), { status: 'disabled' })).not.toThrow();
    expect(() => assertMayPatch(as('support'), { status: 'active' })).not.toThrow();
  });

  it('lets support set the key policy', () => {
    expect(() =>
      assertMayPatch(as('support'), { ipAllowlist: ['10.0.0.0/8'], dailyLimitUsd: '5.00', tpmLimit: 1000, status: 'active' }),
    ).not.toThrow();
    expect(() => assertMayPatch(as('support'), { dailyLimitUsd: null, tpmLimit: null })).not.toThrow();
  });

  it.each([
    [{ name: 'n' }],
    [{ name: 'n', ipAllowlist: [] }],
    [{ allowedModels: ['m'] }],
    [{ expiresAt: null }],
    [{ status: 'active' as const, expiresAt: '2030-01-01T00:00:00Z' }],
  ])('refuses support anything else: %j', (dto) => {
    const attempt = () => assertMayPatch(as('support'), dto);
    expect(attempt).toThrow(GatewayError);
    expect(attempt).toThrow(/status/);
  });
});

import { capabilitiesOf, sectionsFor } from './capabilities';

const labels = (role: string) => sectionsFor(role).map((section) => section.label);

describe(sectionsFor.name, () => {
  it('shows each role only the sections it may use (spec/console.md)', () => {
    expect(labels('admin')).toEqual(['Accounts', 'Keys', 'Usage', 'Reconciliations', 'Audit log']);
    expect(labels('support')).toEqual(['Accounts', 'Keys', 'Usage']);
    expect(labels('finance')).toEqual(['Accounts', 'Usage', 'Reconciliations']);
  });

  it('shows nothing to a role it does not know', () => {
    expect(labels('auditor')).toEqual([]);
    expect(labels('__proto__')).toEqual([]);
  });
});

describe(capabilitiesOf.name, () => {
  it('gives admin everything, support the keys and finance the money', () => {
    expect(Object.values(capabilitiesOf('admin')).every(Boolean)).toBe(true);
    expect(capabilitiesOf('support')).toMatchObject({
      setKeyRpm: true,
      editKeyPolicy: true,
      setAccountRpm: true,
      manageAlerts: false,
      revokeKeys: false,
      topUp: false,
      readLedger: false,
    });
    expect(capabilitiesOf('finance')).toMatchObject({
      topUp: true,
      reconcile: true,
      manageAlerts: true,
      setAccountRpm: false,
      editKeyPolicy: false,
      readKeys: false,
      readAuditLog: false,
    });
  });
});

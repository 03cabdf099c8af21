import type { Role } from '../api/types';

/**
 * What a staff role may do, as the admin API enforces it (README, "Admin API and staff roles"). The console shows a
 * page, a form or a button only when the role has the capability behind it: hidden, not merely disabled.
 * test/e2e/console-capabilities.e2e-spec.ts checks every entry against the API itself.
 */
export interface Capabilities {
  readAccounts: boolean;
  createAccounts: boolean;
  topUp: boolean;
  readLedger: boolean;
  readKeys: boolean;
  createKeys: boolean;
  /** Disable and enable. */
  setKeyStatus: boolean;
  setKeyRpm: boolean;
  editKeyModels: boolean;
  /** A key's IP allow-list, daily spending limit and tokens per minute. */
  editKeyPolicy: boolean;
  revokeKeys: boolean;
  /** An account's RPM limits (its keys' default and all its keys together). */
  setAccountRpm: boolean;
  /** An account's balance-alert settings and deliveries. */
  manageAlerts: boolean;
  /** The model catalog (suggestions for allowed models). */
  readModels: boolean;
  readDailyUsage: boolean;
  lookUpGenerations: boolean;
  reconcile: boolean;
  readAuditLog: boolean;
  /** The staff list (to name who did what in the audit log). */
  readStaff: boolean;
}

const NONE: Capabilities = {
  readAccounts: false,
  createAccounts: false,
  topUp: false,
  readLedger: false,
  readKeys: false,
  createKeys: false,
  setKeyStatus: false,
  setKeyRpm: false,
  editKeyModels: false,
  editKeyPolicy: false,
  revokeKeys: false,
  setAccountRpm: false,
  manageAlerts: false,
  readModels: false,
  readDailyUsage: false,
  lookUpGenerations: false,
  reconcile: false,
  readAuditLog: false,
  readStaff: false,
};

const ROLE_CAPABILITIES: Record<Role, Capabilities> = {
  admin: Object.fromEntries(Object.keys(NONE).map((name) => [name, true])) as unknown as Capabilities,
  support: {
    ...NONE,
    readAccounts: true,
    readKeys: true,
    createKeys: true,
    setKeyStatus: true,
    setKeyRpm: true,
    editKeyPolicy: true,
    setAccountRpm: true,
    lookUpGenerations: true,
  },
  finance: {
    ...NONE,
    readAccounts: true,
    topUp: true,
    readLedger: true,
    readDailyUsage: true,
    lookUpGenerations: true,
    reconcile: true,
    manageAlerts: true,
  },
};

/** A role the console does not know (a newer API) may do nothing here rather than something it should not. */
export function capabilitiesOf(role: string): Capabilities {
  return Object.prototype.hasOwnProperty.call(ROLE_CAPABILITIES, role) ? ROLE_CAPABILITIES[role as Role] : NONE;
}

export interface Section {
  label: string;
  path: string;
  visible: (can: Capabilities) => boolean;
}

/** The navigation, in order. Labels are the accessible names of spec/console.md: keep them exact. */
export const SECTIONS: Section[] = [
  { label: 'Accounts', path: '/accounts', visible: (can) => can.readAccounts },
  { label: 'Keys', path: '/keys', visible: (can) => can.readKeys },
  { label: 'Usage', path: '/usage', visible: (can) => can.readDailyUsage || can.lookUpGenerations },
  { label: 'Reconciliations', path: '/reconciliations', visible: (can) => can.reconcile },
  { label: 'Audit log', path: '/audit-log', visible: (can) => can.readAuditLog },
];

export function sectionsFor(role: string): Section[] {
  const can = capabilitiesOf(role);
  return SECTIONS.filter((section) => section.visible(can));
}

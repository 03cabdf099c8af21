import type { Capabilities } from '../access/capabilities';
import type { ApiKey } from '../api/types';

/**
 * A key's settings form: the RPM override (PUT /keys/:id/rpm-limit) and the fields PATCH /keys/:id takes, each listed
 * in KEY_PATCH_FIELDS with who may change it. A policy field the API gains (spec/policy.md: IP allow-list, daily
 * limit) is one more entry there, with its kind of input: the form, the request and the read-only view follow.
 */
export interface KeyPatchField {
  name: 'allowedModels';
  label: string;
  description: string;
  /** A list of strings, typed as tags. */
  kind: 'list';
  /** How the API's value reads when there is none. */
  emptyMeaning: string;
  editable: (can: Capabilities) => boolean;
}

export const KEY_PATCH_FIELDS: KeyPatchField[] = [
  {
    name: 'allowedModels',
    label: 'Allowed models',
    description: 'Model ids or aliases; none means every model',
    kind: 'list',
    emptyMeaning: 'every model',
    editable: (can) => can.editKeyModels,
  },
];

export interface KeySettingsValues {
  /** As typed: empty means the default. */
  rpmLimit: string;
  fields: Record<KeyPatchField['name'], string[]>;
}

export function initialValues(key: ApiKey): KeySettingsValues {
  return {
    rpmLimit: key.rpmLimit === null ? '' : String(key.rpmLimit),
    fields: Object.fromEntries(KEY_PATCH_FIELDS.map((field) => [field.name, [...key[field.name]]])) as KeySettingsValues['fields'],
  };
}

export interface KeyChanges {
  /** Set when the RPM override changes (null: back to the default). */
  rpm?: number | null;
  /** The PATCH body; absent when no patchable field changed. */
  patch?: Partial<Pick<ApiKey, KeyPatchField['name']>>;
}

export type KeyChangesResult = { ok: true; changes: KeyChanges } | { ok: false; field: 'rpmLimit'; message: string };

/**
 * What Save sends: only what changed, only what the role may change. The API validates the values (its message is
 * shown); the console only refuses what cannot be sent as a number at all.
 */
export function keyChanges(key: ApiKey, values: KeySettingsValues, can: Capabilities): KeyChangesResult {
  const changes: KeyChanges = {};
  if (can.setKeyRpm) {
    const typed = values.rpmLimit.trim();
    if (typed !== '' && !/^-?\d+(\.\d+)?$/.test(typed)) {
      return { ok: false, field: 'rpmLimit', message: 'Enter a number of requests per minute, or nothing for the default' };
    }
    const rpm = typed === '' ? null : Number(typed);
    if (rpm !== key.rpmLimit) changes.rpm = rpm;
  }
  for (const field of KEY_PATCH_FIELDS) {
    if (!field.editable(can)) continue;
    const next = values.fields[field.name].map((item) => item.trim()).filter(Boolean);
    const current = key[field.name];
    if (next.length !== current.length || next.some((item, index) => item !== current[index])) {
      changes.patch = { ...changes.patch, [field.name]: next };
    }
  }
  return { ok: true, changes };
}

/** "60 requests per minute (default)" / "500 requests per minute (override)". */
export function effectiveRpm(key: Pick<ApiKey, 'rpmLimit'>, defaultRpm: number | null): string {
  if (key.rpmLimit !== null) return `${key.rpmLimit} requests per minute (override)`;
  return defaultRpm === null ? 'the default limit (DEFAULT_RPM)' : `${defaultRpm} requests per minute (default)`;
}

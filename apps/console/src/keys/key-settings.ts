import type { Capabilities } from '../access/capabilities';
import type { ApiKey } from '../api/types';
import { formatUsd, plainUsd, usdToMicros } from '../format/money';

/**
 * A key's settings form: the RPM override (PUT /keys/:id/rpm-limit) and the fields PATCH /keys/:id takes, each listed
 * in KEY_PATCH_FIELDS with who may change it and its kind of input: the form, the request and the read-only view
 * follow from the entry.
 */
interface FieldCommon {
  label: string;
  description: string;
  /** How the API's value reads when there is none. */
  emptyMeaning: string;
  editable: (can: Capabilities) => boolean;
}

/** A list of strings, typed as tags; `suggestions`: offer the catalog's model names. */
export interface ListField extends FieldCommon {
  name: 'allowedModels' | 'ipAllowlist';
  kind: 'list';
  suggestions: 'models' | null;
}

/** A USD amount typed as text (empty: none), shown as money. */
export interface UsdField extends FieldCommon {
  name: 'dailyLimitUsd';
  kind: 'usd';
  /** After the amount when shown: "$10.00 per UTC day". */
  unit: string;
}

/** A whole number typed as text (empty: none). */
export interface CountField extends FieldCommon {
  name: 'tpmLimit';
  kind: 'count';
  unit: string;
}

export type KeyPatchField = ListField | UsdField | CountField;
type ListName = ListField['name'];
type TextName = UsdField['name'] | CountField['name'];

export const KEY_PATCH_FIELDS: KeyPatchField[] = [
  {
    name: 'allowedModels',
    label: 'Allowed models',
    description: 'Model ids or aliases; none means every model',
    kind: 'list',
    suggestions: 'models',
    emptyMeaning: 'every model',
    editable: (can) => can.editKeyModels,
  },
  {
    name: 'ipAllowlist',
    label: 'IP allow-list',
    description: 'IPv4/IPv6 addresses and CIDR ranges (10.0.0.0/8); none means any address',
    kind: 'list',
    suggestions: null,
    emptyMeaning: 'any address',
    editable: (can) => can.editKeyPolicy,
  },
  {
    name: 'dailyLimitUsd',
    label: 'Daily limit (USD)',
    description: 'Per UTC day, settled charges plus open holds; empty: no cap',
    kind: 'usd',
    unit: 'per UTC day',
    emptyMeaning: 'no cap',
    editable: (can) => can.editKeyPolicy,
  },
  {
    name: 'tpmLimit',
    label: 'Tokens per minute',
    description: 'Input plus output tokens; empty: no limit',
    kind: 'count',
    unit: 'tokens per minute',
    emptyMeaning: 'no limit',
    editable: (can) => can.editKeyPolicy,
  },
];

export interface KeySettingsValues {
  /** As typed: empty means the default. */
  rpmLimit: string;
  lists: Record<ListName, string[]>;
  /** As typed: empty means none. */
  texts: Record<TextName, string>;
}

export function initialValues(key: ApiKey): KeySettingsValues {
  const lists = {} as KeySettingsValues['lists'];
  const texts = {} as KeySettingsValues['texts'];
  for (const field of KEY_PATCH_FIELDS) {
    if (field.kind === 'list') lists[field.name] = [...key[field.name]];
    else if (key[field.name] === null) texts[field.name] = '';
    else texts[field.name] = field.kind === 'usd' ? plainUsd(String(key[field.name])) : String(key[field.name]);
  }
  return { rpmLimit: key.rpmLimit === null ? '' : String(key.rpmLimit), lists, texts };
}

export type KeyPatch = Partial<Pick<ApiKey, KeyPatchField['name']>>;

export interface KeyChanges {
  /** Set when the RPM override changes (null: back to the default). */
  rpm?: number | null;
  /** The PATCH body; absent when no patchable field changed. */
  patch?: KeyPatch;
}

export type KeyChangesResult =
  | { ok: true; changes: KeyChanges }
  | { ok: false; field: 'rpmLimit' | TextName; message: string };

const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * What Save sends: only what changed, only what the role may change. The API validates the values (its message is
 * shown); the console only refuses what cannot be sent as a number at all.
 */
export function keyChanges(key: ApiKey, values: KeySettingsValues, can: Capabilities): KeyChangesResult {
  const changes: KeyChanges = {};
  if (can.setKeyRpm) {
    const typed = values.rpmLimit.trim();
    if (typed !== '' && !NUMBER.test(typed)) {
      return { ok: false, field: 'rpmLimit', message: 'Enter a number of requests per minute, or nothing for the default' };
    }
    const rpm = typed === '' ? null : Number(typed);
    if (rpm !== key.rpmLimit) changes.rpm = rpm;
  }
  const patch: KeyPatch = {};
  for (const field of KEY_PATCH_FIELDS) {
    if (!field.editable(can)) continue;
    if (field.kind === 'list') {
      const next = values.lists[field.name].map((item) => item.trim()).filter(Boolean);
      const current = key[field.name];
      if (next.length !== current.length || next.some((item, index) => item !== current[index])) patch[field.name] = next;
      continue;
    }
    const typed = values.texts[field.name].trim();
    if (typed !== '' && !NUMBER.test(typed)) {
      return { ok: false, field: field.name, message: `Enter a number, or nothing for ${field.emptyMeaning}` };
    }
    if (field.kind === 'usd') {
      // Sent as typed (the API refuses more than 6 decimals with its own message); compared as money, so that "10"
      // and the API's "10.000000" are the same limit.
      const sameAs = (usd: string | null) => (usd === null ? typed === '' : typed !== '' && sameUsd(typed, usd));
      if (!sameAs(key.dailyLimitUsd)) patch.dailyLimitUsd = typed === '' ? null : typed;
    } else {
      const count = typed === '' ? null : Number(typed);
      if (count !== key.tpmLimit) patch.tpmLimit = count;
    }
  }
  if (Object.keys(patch).length > 0) changes.patch = patch;
  return { ok: true, changes };
}

function sameUsd(typed: string, usd: string): boolean {
  try {
    return usdToMicros(typed) === usdToMicros(usd);
  } catch {
    return false; // more than 6 decimals: not the same, and the API says why
  }
}

/** How a field's current value reads: "10.0.0.0/8, 203.0.113.7", "$10.00 per UTC day", "no limit". */
export function describeField(field: KeyPatchField, key: ApiKey): string {
  if (field.kind === 'list') return key[field.name].length > 0 ? key[field.name].join(', ') : field.emptyMeaning;
  const value = key[field.name];
  if (value === null) return field.emptyMeaning;
  return field.kind === 'usd' ? `${formatUsd(String(value))} ${field.unit}` : `${value} ${field.unit}`;
}

/**
 * "500 requests per minute (override)" / "10 requests per minute (account default)" / "60 requests per minute
 * (default)": the key's own limit, else its account's default for its keys (when the account is known), else
 * DEFAULT_RPM.
 */
export function effectiveRpm(key: Pick<ApiKey, 'rpmLimit'>, accountRpm: number | null, defaultRpm: number | null): string {
  if (key.rpmLimit !== null) return `${key.rpmLimit} requests per minute (override)`;
  if (accountRpm !== null) return `${accountRpm} requests per minute (account default)`;
  return defaultRpm === null ? 'the default limit (DEFAULT_RPM)' : `${defaultRpm} requests per minute (default)`;
}

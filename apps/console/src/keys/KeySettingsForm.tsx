import { Button, Group, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { FormEvent, useEffect, useId, useState } from 'react';
import { messageOf } from '../api/api-error';
import type { Account, ApiKey } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { domId, inputOnlyLabel } from '../components/input-label';
import { SaveRow } from '../components/SaveRow';
import { useSingleSubmit } from '../components/use-single-submit';
import { useSession } from '../session/session';
import { EffectiveLimit } from './EffectiveLimit';
import {
  describeField,
  initialValues,
  KEY_PATCH_FIELDS,
  keyChanges,
  KeyPatchField,
  KeySettingsValues,
} from './key-settings';

/** The catalog's names (ids and aliases) as suggestions for allowed models; admin only (GET /models). */
function useModelNames(enabled: boolean): { names: string[]; error: unknown } {
  const { api } = useSession();
  const models = useQuery({ queryKey: ['models'], queryFn: () => api.models(), enabled, staleTime: 60_000 });
  const names = [...new Set((models.data?.data ?? []).flatMap((model) => [model.id, ...model.aliases]))].sort();
  return { names, error: models.error };
}

/**
 * The key's RPM override (with the effective limit) and the fields of KEY_PATCH_FIELDS, with one Save: the override
 * goes to PUT /keys/:id/rpm-limit, the rest to PATCH /keys/:id. Fields the role may not change are shown, not editable.
 */
export function KeySettingsForm({ apiKey, account }: { apiKey: ApiKey; account: Account | null }) {
  const { api, can } = useSession();
  const queryClient = useQueryClient();
  const save = useSingleSubmit();
  const [values, setValues] = useState<KeySettingsValues>(() => initialValues(apiKey));
  const [fieldError, setFieldError] = useState<{ field: string; message: string } | null>(null);
  const [saved, setSaved] = useState(false);
  const models = useModelNames(can.readModels && can.editKeyModels);
  const revoked = apiKey.status === 'revoked';
  const idBase = useId();

  // What the API holds changed (a save, a reset): show it. Unrelated refetches leave what is being typed alone.
  const serverValues = JSON.stringify(initialValues(apiKey));
  useEffect(() => setValues(JSON.parse(serverValues) as KeySettingsValues), [serverValues]);

  const mayEdit = !revoked && (can.setKeyRpm || KEY_PATCH_FIELDS.some((field) => field.editable(can)));
  const errorOf = (field: string) => (fieldError?.field === field ? fieldError.message : null);

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const result = keyChanges(apiKey, values, can);
    if (!result.ok) {
      setFieldError({ field: result.field, message: result.message });
      // Nothing is sent: the previous call's failure no longer describes this attempt.
      save.clearError();
      return;
    }
    setFieldError(null);
    void save.run(async () => {
      const { rpm, patch } = result.changes;
      // Two calls at most; each is applied on its own, so a failure of the second leaves the first in place and shown.
      try {
        if (rpm !== undefined) await api.setKeyRpm(apiKey.id, rpm);
        if (patch) await api.updateKey(apiKey.id, patch);
      } finally {
        await queryClient.invalidateQueries({ queryKey: ['keys'] });
      }
      setSaved(true);
    });
  }

  function resetRpm() {
    setSaved(false);
    void save.run(async () => {
      await api.setKeyRpm(apiKey.id, null);
      await queryClient.invalidateQueries({ queryKey: ['keys'] });
    });
  }

  function input(field: KeyPatchField) {
    if (field.kind === 'list') {
      const suggestions = field.suggestions === 'models' ? models : { names: [], error: null };
      return (
        <TagsInput
          key={field.name}
          {...inputOnlyLabel(domId(idBase, field.name))}
          label={field.label}
          description={suggestions.error ? `${field.description}. No suggestions: ${messageOf(suggestions.error)}` : field.description}
          data={suggestions.names}
          value={values.lists[field.name]}
          onChange={(list) => setValues((current) => ({ ...current, lists: { ...current.lists, [field.name]: list } }))}
          clearable
          maw={640}
        />
      );
    }
    return (
      <TextInput
        key={field.name}
        label={field.label}
        description={field.description}
        inputMode={field.kind === 'usd' ? 'decimal' : 'numeric'}
        autoComplete="off"
        w={320}
        value={values.texts[field.name]}
        error={errorOf(field.name)}
        onChange={(event) => {
          const typed = event.currentTarget.value;
          setValues((current) => ({ ...current, texts: { ...current.texts, [field.name]: typed } }));
        }}
      />
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label={`Settings of ${apiKey.name}`}>
      <Stack gap="xs">
        {mayEdit && can.setKeyRpm ? (
          <Group align="flex-end" gap="sm">
            <TextInput
              label="RPM limit"
              description="Requests a minute; empty: the default"
              inputMode="numeric"
              autoComplete="off"
              w={240}
              value={values.rpmLimit}
              error={errorOf('rpmLimit')}
              onChange={(event) => {
                const rpmLimit = event.currentTarget.value;
                setValues((current) => ({ ...current, rpmLimit }));
              }}
            />
            <Button variant="default" disabled={apiKey.rpmLimit === null || save.pending} onClick={resetRpm}>
              Reset to default
            </Button>
          </Group>
        ) : null}
        <EffectiveLimit apiKey={apiKey} account={account} />
        {KEY_PATCH_FIELDS.map((field) =>
          mayEdit && field.editable(can) ? (
            input(field)
          ) : (
            <Text key={field.name} size="sm">
              {field.label}: {describeField(field, apiKey)}
            </Text>
          ),
        )}
        {mayEdit ? (
          <SaveRow label="Save" save={save} saved={saved} />
        ) : null}
        {save.error ? <ErrorAlert error={save.error} title={`Could not save “${apiKey.name}”`} /> : null}
      </Stack>
    </form>
  );
}

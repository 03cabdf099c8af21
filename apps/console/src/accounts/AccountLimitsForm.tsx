import { Fieldset, Group, Stack, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { FormEvent, useEffect, useState } from 'react';
import type { Account } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { SaveRow } from '../components/SaveRow';
import { useSingleSubmit } from '../components/use-single-submit';
import { settings } from '../settings';
import { useSession } from '../session/session';
import {
  AccountLimitValues,
  accountLimitChanges,
  describeAggregate,
  describeKeyDefault,
  initialLimitValues,
} from './account-limits';

/**
 * The account's request-rate limits (spec/policy.md): the default of its keys without a limit of their own, and all
 * its keys together. Support and admin change them (PUT /accounts/:id/rpm-limit); every role that reads the account
 * sees them.
 */
export function AccountLimitsForm({ account }: { account: Account }) {
  const { api, can } = useSession();
  const queryClient = useQueryClient();
  const save = useSingleSubmit();
  const [values, setValues] = useState<AccountLimitValues>(() => initialLimitValues(account));
  const [fieldError, setFieldError] = useState<{ field: string; message: string } | null>(null);
  const [saved, setSaved] = useState(false);
  const serverValues = JSON.stringify(initialLimitValues(account));
  useEffect(() => setValues(JSON.parse(serverValues) as AccountLimitValues), [serverValues]);

  const summary = (
    <Text size="sm" aria-live="polite">
      Each key without a limit of its own: {describeKeyDefault(account.rpmLimit, settings.defaultRpm)}. All keys
      together: {describeAggregate(account.accountRpmLimit)}.
    </Text>
  );

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const result = accountLimitChanges(account, values);
    if (!result.ok) {
      setFieldError({ field: result.field, message: result.message });
      // Nothing is sent: the previous call's failure no longer describes this attempt.
      save.clearError();
      return;
    }
    setFieldError(null);
    void save.run(async () => {
      if (Object.keys(result.body).length > 0) await api.setAccountRpm(account.id, result.body);
      await queryClient.invalidateQueries({ queryKey: ['accounts'] });
      setSaved(true);
    });
  }

  const field = (name: keyof AccountLimitValues, label: string, description: string) => (
    <TextInput
      label={label}
      description={description}
      inputMode="numeric"
      autoComplete="off"
      w={300}
      value={values[name]}
      error={fieldError?.field === name ? fieldError.message : null}
      onChange={(event) => {
        const typed = event.currentTarget.value;
        setValues((current) => ({ ...current, [name]: typed }));
      }}
    />
  );

  return (
    <Fieldset legend="Rate limits" maw={640}>
      <Stack gap="xs">
        {summary}
        {can.setAccountRpm ? (
          <form onSubmit={onSubmit} noValidate aria-label="Rate limits of this account">
            <Stack gap="xs">
              <Group align="flex-start">
                {field('rpm', 'Key default (requests per minute)', 'Empty: the default')}
                {field('accountRpm', 'All keys together (requests per minute)', "Empty: twice the requesting key's limit")}
              </Group>
              <SaveRow label="Set limits" save={save} saved={saved} />
            </Stack>
          </form>
        ) : null}
        {save.error ? <ErrorAlert error={save.error} title="Could not save the limits" /> : null}
      </Stack>
    </Fieldset>
  );
}

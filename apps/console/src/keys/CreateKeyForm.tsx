import { Button, Group, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { FormEvent, useState } from 'react';
import type { Account, CreatedApiKey } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { useSingleSubmit } from '../components/use-single-submit';
import { useSession } from '../session/session';

/** POST /keys for the account (support, admin); the answer, with the plaintext, goes to CreatedKeyNotice. */
export function CreateKeyForm({ account, onCreated }: { account: Account; onCreated: (key: CreatedApiKey) => void }) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const submit = useSingleSubmit();

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void submit.run(async () => {
      const created = await api.createKey({ accountId: account.id, name });
      setName('');
      onCreated(created);
      await queryClient.invalidateQueries({ queryKey: ['keys'] });
    });
  }

  return (
    <div>
      <form onSubmit={onSubmit} noValidate aria-label={`New key for ${account.name}`}>
        <Group align="flex-end">
          <TextInput label="Key name" autoComplete="off" value={name} onChange={(event) => setName(event.currentTarget.value)} />
          <Button type="submit" loading={submit.pending} onClick={submit.onSubmitClick}>
            Create key
          </Button>
        </Group>
      </form>
      {submit.error ? <ErrorAlert error={submit.error} title="The key was not created" /> : null}
    </div>
  );
}

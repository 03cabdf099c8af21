import { Button, Fieldset, Group, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { ErrorAlert } from '../components/ErrorAlert';
import { useSingleSubmit } from '../components/use-single-submit';
import { useSession } from '../session/session';

/** Admin only: opens an account (POST /accounts) and goes to its page. */
export function CreateAccountForm() {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const submit = useSingleSubmit();

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void submit.run(async () => {
      const account = await api.createAccount({ name, ...(email.trim() ? { email: email.trim() } : {}) });
      await queryClient.invalidateQueries({ queryKey: ['accounts'] });
      navigate(`/accounts/${account.id}`);
    });
  }

  return (
    <Fieldset legend="New account" maw={720}>
      <form onSubmit={onSubmit} noValidate>
        <Group align="flex-end">
          <TextInput label="Account name" value={name} onChange={(event) => setName(event.currentTarget.value)} />
          <TextInput label="Email (optional)" type="email" value={email} onChange={(event) => setEmail(event.currentTarget.value)} />
          <Button type="submit" loading={submit.pending} onClick={submit.onSubmitClick}>
            Create account
          </Button>
        </Group>
      </form>
      {submit.error ? <ErrorAlert error={submit.error} title="The account was not created" /> : null}
    </Fieldset>
  );
}

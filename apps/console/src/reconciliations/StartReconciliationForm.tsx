import { Button, Fieldset, Group, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { ErrorAlert } from '../components/ErrorAlert';
import { useSingleSubmit } from '../components/use-single-submit';
import { useSession } from '../session/session';

/** "2026-12-06T08:00" from a datetime-local field, read as UTC; what does not parse goes as typed (the API says why). */
function utcInstant(local: string): string | undefined {
  if (!local) return undefined;
  const instant = new Date(`${local}Z`);
  return Number.isNaN(instant.getTime()) ? local : instant.toISOString();
}

/** POST /reconciliations (finance, admin), then the run's page, which follows its progress. */
export function StartReconciliationForm() {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const submit = useSingleSubmit();

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void submit.run(async () => {
      const run = await api.startReconciliation({ from: utcInstant(from), to: utcInstant(to) });
      await queryClient.invalidateQueries({ queryKey: ['reconciliations'] });
      navigate(`/reconciliations/${run.id}`);
    });
  }

  return (
    <Fieldset legend="New run" maw={720}>
      <form onSubmit={onSubmit} noValidate>
        <Group align="flex-end">
          <TextInput
            label="From (UTC)"
            description="Empty: since the beginning"
            type="datetime-local"
            value={from}
            onChange={(event) => setFrom(event.currentTarget.value)}
          />
          <TextInput
            label="To (UTC)"
            description="Empty: now"
            type="datetime-local"
            value={to}
            onChange={(event) => setTo(event.currentTarget.value)}
          />
          <Button type="submit" loading={submit.pending} onClick={submit.onSubmitClick}>
            Start reconciliation
          </Button>
        </Group>
      </form>
      {submit.error ? <ErrorAlert error={submit.error} title="The reconciliation was not started" /> : null}
    </Fieldset>
  );
}

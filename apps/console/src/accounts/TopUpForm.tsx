import { Alert, Button, Fieldset, Group, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { FormEvent, useRef, useState } from 'react';
import type { Account, TopUpResult } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { useSingleSubmit } from '../components/use-single-submit';
import { formatUsd } from '../format/money';
import { IdempotencyKeys } from '../session/idempotency';
import { useSession } from '../session/session';

/**
 * Credits the account (finance, admin). One Idempotency-Key per top-up: a double-click is one submit, and sending the
 * same top-up again after an answer that never arrived reuses the key, so the API replays the first result instead of
 * crediting twice. A new key once it succeeded, or once the amount or reference changed.
 */
export function TopUpForm({ account }: { account: Account }) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const [amount, setAmount] = useState('');
  const [reference, setReference] = useState('');
  const [done, setDone] = useState<TopUpResult | null>(null);
  const keys = useRef(new IdempotencyKeys());
  const submit = useSingleSubmit();

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void submit.run(async () => {
      setDone(null);
      const body = { amountUsd: amount.trim(), ...(reference.trim() ? { reference: reference.trim() } : {}) };
      const result = await api.topUp(account.id, body, keys.current.keyFor(JSON.stringify([account.id, body])));
      keys.current.settle();
      setDone(result);
      setAmount('');
      setReference('');
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['accounts'] }),
        queryClient.invalidateQueries({ queryKey: ['ledger', account.id] }),
      ]);
    });
  }

  return (
    <Fieldset legend="Top up" maw={640}>
      <form onSubmit={onSubmit} noValidate>
        <Group align="flex-start">
          <TextInput
            label="Amount (USD)"
            description="More than 0, at most 1,000,000; up to 6 decimals"
            inputMode="decimal"
            autoComplete="off"
            value={amount}
            onChange={(event) => setAmount(event.currentTarget.value)}
          />
          <TextInput
            label="Reference"
            description="Optional: an invoice or payment id"
            autoComplete="off"
            value={reference}
            onChange={(event) => setReference(event.currentTarget.value)}
          />
        </Group>
        <Button type="submit" mt="sm" loading={submit.pending} onClick={submit.onSubmitClick}>
          Top up
        </Button>
      </form>
      {submit.error ? <ErrorAlert error={submit.error} title="The top-up failed" /> : null}
      {done ? (
        <Alert color="green" role="status" mt="sm">
          Added {formatUsd(done.amountUsd)}. Balance: {formatUsd(done.balanceUsd)}.
        </Alert>
      ) : null}
    </Fieldset>
  );
}

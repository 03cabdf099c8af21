import { Stack } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import type { Account } from '../api/types';
import { AccountPicker } from '../components/AccountPicker';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import { PageTitle } from '../components/PageTitle';
import { KeysPanel } from '../keys/KeysPanel';
import { useSession } from '../session/session';

/** Every key, or one account's (?accountId=, chosen with the picker); creating a key needs the account. */
export function KeysPage() {
  const { api } = useSession();
  const [params, setParams] = useSearchParams();
  const accountId = params.get('accountId');
  const account = useQuery({
    queryKey: ['accounts', 'one', accountId],
    queryFn: () => api.account(accountId!),
    enabled: accountId !== null,
  });
  const chosen: Account | null = accountId ? (account.data ?? null) : null;
  // Until the chosen account is here, no panel: without an account, it would list every account's keys.
  const waiting = accountId !== null && !chosen;

  return (
    <Stack>
      <PageTitle title="Keys">Keys</PageTitle>
      <AccountPicker
        value={chosen}
        description="Shows the keys of one account; clear it to see every key"
        onChange={(picked) => setParams(picked ? { accountId: picked.id } : {}, { replace: true })}
      />
      {account.error ? (
        <ErrorAlert error={account.error} title="Could not load the account" retry={() => void account.refetch()} />
      ) : null}
      {waiting && !account.error ? <Loading what="the account" /> : null}
      {waiting ? null : <KeysPanel account={chosen} />}
    </Stack>
  );
}

import { Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { AccountPicker } from '../components/AccountPicker';
import { ErrorAlert } from '../components/ErrorAlert';
import { PageTitle } from '../components/PageTitle';
import { useSession } from '../session/session';
import { GenerationLookup } from '../usage/GenerationLookup';
import { UsageCharts } from '../usage/UsageCharts';

/** Daily charts per account and key (finance, admin) and the generation lookup (every role). */
export default function UsagePage() {
  const { api, can } = useSession();
  const [params, setParams] = useSearchParams();
  const accountId = params.get('accountId');
  const account = useQuery({
    queryKey: ['accounts', 'one', accountId],
    queryFn: () => api.account(accountId!),
    enabled: can.readDailyUsage && accountId !== null,
  });

  return (
    <Stack gap="xl">
      <PageTitle title="Usage">Usage</PageTitle>
      {can.readDailyUsage ? (
        <Stack gap="md">
          <AccountPicker
            value={account.data ?? null}
            description="Charts of one account's daily usage"
            onChange={(picked) => setParams(picked ? { accountId: picked.id } : {}, { replace: true })}
          />
          {account.error ? <ErrorAlert error={account.error} title="Could not load the account" /> : null}
          {account.data ? <UsageCharts key={account.data.id} account={account.data} /> : null}
          {!accountId ? <Text c="dimmed">Choose an account to see its requests, tokens and cost per day.</Text> : null}
        </Stack>
      ) : null}
      {can.lookUpGenerations ? <GenerationLookup /> : null}
    </Stack>
  );
}

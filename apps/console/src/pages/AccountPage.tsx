import { Anchor, Code, Group, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { AccountLimitsForm } from '../accounts/AccountLimitsForm';
import { LedgerTable } from '../accounts/LedgerTable';
import { BalanceAlertsPanel } from '../alerts/BalanceAlertsPanel';
import { TopUpForm } from '../accounts/TopUpForm';
import { ErrorAlert } from '../components/ErrorAlert';
import { PageTitle } from '../components/PageTitle';
import { StatusBadge } from '../components/StatusBadge';
import { Usd } from '../components/Usd';
import { formatTime } from '../format/time';
import { KeysPanel } from '../keys/KeysPanel';
import { useSession } from '../session/session';
import { Loading } from '../components/Loading';

function Figure({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Paper withBorder p="md" role="group" aria-label={label}>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={600}>
        {children}
      </Text>
    </Paper>
  );
}

/** One account: balance and reserved, then what the role may see of it (keys, ledger, top-up). */
export function AccountPage() {
  const { accountId = '' } = useParams();
  const { api, can } = useSession();
  const account = useQuery({ queryKey: ['accounts', 'one', accountId], queryFn: () => api.account(accountId) });

  if (account.error) {
    return (
      <Stack>
        <PageTitle title="Account">Account</PageTitle>
        <ErrorAlert error={account.error} title="Could not load the account" retry={() => void account.refetch()} />
      </Stack>
    );
  }
  if (!account.data) return <Loading what="the account" />;
  const { data } = account;

  return (
    <Stack gap="lg">
      <div>
        <PageTitle title={data.name}>{data.name}</PageTitle>
        <Group gap="sm">
          <StatusBadge status={data.status} />
          <Text size="sm">{data.email ?? 'No email'}</Text>
          <Text size="sm" c="dimmed">
            Opened {formatTime(data.createdAt)} · id <Code>{data.id}</Code>
          </Text>
        </Group>
      </div>
      <SimpleGrid cols={{ base: 1, sm: 2 }} maw={640}>
        <Figure label="Balance">
          <Usd value={data.balanceUsd} />
        </Figure>
        <Figure label="Reserved">
          <Usd value={data.reservedUsd} />
        </Figure>
      </SimpleGrid>
      {can.readDailyUsage ? (
        <Anchor component={Link} to={`/usage?accountId=${data.id}`}>
          Daily charts of this account
        </Anchor>
      ) : null}
      {can.topUp ? <TopUpForm account={data} /> : null}
      <AccountLimitsForm account={data} />
      {can.manageAlerts ? <BalanceAlertsPanel accountId={data.id} /> : null}
      {can.readKeys ? <KeysPanel account={data} /> : null}
      {can.readLedger ? <LedgerTable accountId={data.id} /> : null}
    </Stack>
  );
}

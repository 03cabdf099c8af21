import { Anchor, Button, Code, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import type { Account, ApiKey } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorAlert } from '../components/ErrorAlert';
import { StatusBadge } from '../components/StatusBadge';
import { useSingleSubmit } from '../components/use-single-submit';
import { formatTime } from '../format/time';
import { useSession } from '../session/session';
import { KeySettingsForm } from './KeySettingsForm';

/** One key: its state, Disable / Enable, Revoke (with a confirmation), and its settings. */
export function KeyCard({ apiKey, account }: { apiKey: ApiKey; account: Account | null }) {
  const showAccount = account === null;
  const { api, can } = useSession();
  const queryClient = useQueryClient();
  const headingId = useId();
  const action = useSingleSubmit();
  const [confirming, setConfirming] = useState(false);
  const revoked = apiKey.status === 'revoked';

  const refresh = () => queryClient.invalidateQueries({ queryKey: ['keys'] });
  const setStatus = (status: 'active' | 'disabled') =>
    action.run(async () => {
      await api.updateKey(apiKey.id, { status });
      await refresh();
    });
  const revoke = () =>
    action.run(async () => {
      try {
        await api.revokeKey(apiKey.id);
        await refresh();
      } finally {
        setConfirming(false);
      }
    });

  return (
    <Paper withBorder p="md" component="article" aria-labelledby={headingId}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap">
          <Group gap="sm">
            <Title order={3} size="h5" id={headingId}>
              {apiKey.name}
            </Title>
            <Code>{apiKey.prefix}</Code>
            <StatusBadge status={apiKey.status} />
          </Group>
          <Group gap="xs">
            {can.setKeyStatus && apiKey.status === 'active' ? (
              <Button size="xs" variant="default" loading={action.pending} onClick={() => void setStatus('disabled')}>
                Disable
              </Button>
            ) : null}
            {can.setKeyStatus && apiKey.status === 'disabled' ? (
              <Button size="xs" variant="default" loading={action.pending} onClick={() => void setStatus('active')}>
                Enable
              </Button>
            ) : null}
            {can.revokeKeys && !revoked ? (
              <Button size="xs" color="red" variant="light" onClick={() => setConfirming(true)}>
                Revoke
              </Button>
            ) : null}
          </Group>
        </Group>
        <Text size="sm" c="dimmed">
          Created {formatTime(apiKey.createdAt)}
          {apiKey.expiresAt ? ` · expires ${formatTime(apiKey.expiresAt)}` : ' · never expires'}
          {apiKey.revokedAt ? ` · revoked ${formatTime(apiKey.revokedAt)}` : ''}
          {showAccount ? (
            <>
              {' · '}
              <Anchor component={Link} to={`/accounts/${apiKey.accountId}`} size="sm">
                its account
              </Anchor>
            </>
          ) : null}
        </Text>
        {action.error ? <ErrorAlert error={action.error} title={`Could not change “${apiKey.name}”`} /> : null}
        <KeySettingsForm apiKey={apiKey} account={account} />
      </Stack>
      <ConfirmDialog
        opened={confirming}
        title={`Revoke “${apiKey.name}”?`}
        confirmLabel="Revoke"
        pending={action.pending}
        onConfirm={() => void revoke()}
        onCancel={() => setConfirming(false)}
      >
        Revoking is for good: requests with this key ({apiKey.prefix}) are refused from now on, and it cannot be enabled
        again. Disable it instead to stop it for a while.
      </ConfirmDialog>
    </Paper>
  );
}

import { Badge, Code, Fieldset, PasswordInput, Stack, Table, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { FormEvent, useEffect, useId, useState } from 'react';
import type { AlertDelivery, AlertSettings } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { domId, inputOnlyLabel } from '../components/input-label';
import { ListState } from '../components/ListState';
import { Loading } from '../components/Loading';
import { Pager } from '../components/Pager';
import { useCursorPages } from '../components/use-cursor-pages';
import { SaveRow } from '../components/SaveRow';
import { useSingleSubmit } from '../components/use-single-submit';
import { Usd } from '../components/Usd';
import { formatUsd } from '../format/money';
import { formatTime } from '../format/time';
import { useSession } from '../session/session';
import { alertSettingsBody, AlertValues, initialAlertValues } from './alert-settings';

const STATUS_COLORS: Record<AlertDelivery['status'], string> = { pending: 'yellow', delivered: 'green', failed: 'red' };

function AlertSettingsForm({ accountId, current }: { accountId: string; current: AlertSettings }) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const save = useSingleSubmit();
  const [values, setValues] = useState<AlertValues>(() => initialAlertValues(current));
  const [saved, setSaved] = useState(false);
  const thresholdsId = domId(useId(), 'thresholds');
  const serverValues = JSON.stringify(initialAlertValues(current));
  useEffect(() => setValues(JSON.parse(serverValues) as AlertValues), [serverValues]);

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    void save.run(async () => {
      await api.setAlerts(accountId, alertSettingsBody(values));
      await queryClient.invalidateQueries({ queryKey: ['alerts', accountId] });
      setValues((typed) => ({ ...typed, secret: '' }));
      setSaved(true);
    });
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Low-funds alert settings">
      <Stack gap="xs">
        <TagsInput
          {...inputOnlyLabel(thresholdsId)}
          label="Thresholds (USD)"
          description="An event is sent when the spendable balance falls below one; sorted highest first"
          value={values.thresholds}
          onChange={(thresholds) => setValues((typed) => ({ ...typed, thresholds }))}
          clearable
          maw={640}
        />
        <TextInput
          label="Webhook URL"
          description="http or https; the events are POSTed here, signed (X-Chuizi-Signature)"
          autoComplete="off"
          maw={640}
          value={values.webhookUrl}
          onChange={(event) => {
            const webhookUrl = event.currentTarget.value;
            setValues((typed) => ({ ...typed, webhookUrl }));
          }}
        />
        <PasswordInput
          label="Signing secret"
          description={
            current.hasSecret
              ? 'Set (never shown). Type a new one to replace it, or leave empty to keep it'
              : 'Required: the key of the HMAC-SHA256 signature; use 32 or more random characters'
          }
          autoComplete="new-password"
          maw={640}
          value={values.secret}
          onChange={(event) => {
            const secret = event.currentTarget.value;
            setValues((typed) => ({ ...typed, secret }));
          }}
        />
        <SaveRow label="Set alerts" save={save} saved={saved} />
        {save.error ? <ErrorAlert error={save.error} title="Could not save the alerts" /> : null}
      </Stack>
    </form>
  );
}

function DeliveriesTable({ accountId }: { accountId: string }) {
  const { api } = useSession();
  const pages = useCursorPages(['alerts', accountId, 'deliveries'], (cursor) => api.alertDeliveries(accountId, cursor), {
    refetchInterval: 5_000,
  });
  return (
    <Stack gap="xs" component="section" aria-labelledby="deliveries-title">
      <Title order={3} size="h5" id="deliveries-title">
        Deliveries
      </Title>
      <ListState pages={pages} of="deliveries" empty="No alert has fired yet" />
      {pages.items.length > 0 ? (
        <Table striped aria-labelledby="deliveries-title" aria-busy={pages.isFetching}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">When</Table.Th>
              <Table.Th scope="col" ta="right">Threshold</Table.Th>
              <Table.Th scope="col" ta="right">Balance</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col" ta="right">Attempts</Table.Th>
              <Table.Th scope="col">Last answer</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {pages.items.map((delivery) => (
              <Table.Tr key={delivery.id}>
                <Table.Td>
                  {formatTime(delivery.createdAt)} <Code title="X-Chuizi-Delivery">{delivery.id.slice(0, 8)}</Code>
                </Table.Td>
                <Table.Td ta="right">
                  <Usd value={delivery.thresholdUsd} />
                </Table.Td>
                <Table.Td ta="right">
                  <Usd value={delivery.balanceUsd} />
                </Table.Td>
                <Table.Td>
                  <Badge color={STATUS_COLORS[delivery.status]} variant="light">
                    {delivery.status}
                  </Badge>
                </Table.Td>
                <Table.Td ta="right">{delivery.attempts}</Table.Td>
                <Table.Td>{delivery.lastError ?? (delivery.lastStatusCode === null ? '—' : `HTTP ${delivery.lastStatusCode}`)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      <Pager pages={pages} of="deliveries" />
    </Stack>
  );
}

/**
 * Balance alerts of one account (finance, admin): the settings, what has fired, and how each event was delivered. Its
 * names stay clear of the contract's (spec/console.md): the figure labelled "Balance" or a button named "Save" must
 * match one element only, and playwright matches names by substring, labels (getByLabel) included: its form is
 * "Low-funds alert settings", not "Balance alert settings", which getByLabel('Balance') also matched.
 */
export function BalanceAlertsPanel({ accountId }: { accountId: string }) {
  const { api } = useSession();
  // Polled like the deliveries: what has fired changes as the worker sees the balance (typing is left alone).
  const settings = useQuery({
    queryKey: ['alerts', accountId, 'settings'],
    queryFn: () => api.alerts(accountId),
    refetchInterval: 5_000,
  });
  return (
    <Fieldset legend="Low-funds alerts" maw={960}>
      <Stack gap="sm">
        {settings.error ? (
          <ErrorAlert error={settings.error} title="Could not load the alerts" retry={() => void settings.refetch()} />
        ) : null}
        {settings.data ? (
          <>
            {settings.data.firedThresholdsUsd.length > 0 ? (
              <Text size="sm" role="note">
                Fired, waiting for a top-up: {settings.data.firedThresholdsUsd.map(formatUsd).join(', ')}
              </Text>
            ) : null}
            <AlertSettingsForm accountId={accountId} current={settings.data} />
          </>
        ) : settings.error ? null : (
          <Loading what="the alerts" />
        )}
        <DeliveriesTable accountId={accountId} />
      </Stack>
    </Fieldset>
  );
}

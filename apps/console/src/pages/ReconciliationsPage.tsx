import { Anchor, Badge, Stack, Table, Title } from '@mantine/core';
import { Link } from 'react-router';
import { ListState } from '../components/ListState';
import { PageTitle } from '../components/PageTitle';
import { Pager } from '../components/Pager';
import { StatusBadge } from '../components/StatusBadge';
import { useCursorPages } from '../components/use-cursor-pages';
import { formatTime } from '../format/time';
import { StartReconciliationForm } from '../reconciliations/StartReconciliationForm';
import { useSession } from '../session/session';

/** Start a run; every run, manual and hourly, newest first (refreshed while one is still going). */
export function ReconciliationsPage() {
  const { api } = useSession();
  const pages = useCursorPages(['reconciliations'], (cursor) => api.reconciliations(cursor), {
    refetchInterval: 5_000,
  });

  return (
    <Stack>
      <PageTitle title="Reconciliations">Reconciliations</PageTitle>
      <StartReconciliationForm />
      <Title order={2} size="h4" id="runs-title">
        Runs
      </Title>
      <ListState pages={pages} of="runs" empty="No run yet" />
      {pages.items.length > 0 ? (
        <Table striped highlightOnHover aria-labelledby="runs-title">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Started</Table.Th>
              <Table.Th scope="col">Trigger</Table.Th>
              <Table.Th scope="col">Range</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Result</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {pages.items.map((run) => (
              <Table.Tr key={run.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/reconciliations/${run.id}`}>
                    {formatTime(run.createdAt)}
                  </Anchor>
                </Table.Td>
                <Table.Td>{run.trigger}</Table.Td>
                <Table.Td>
                  {run.from ? formatTime(run.from) : 'the beginning'} to {run.to ? formatTime(run.to) : 'when it was asked'}
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={run.status} />
                </Table.Td>
                <Table.Td>
                  {run.clean === null ? '—' : run.clean ? <Badge color="green" variant="light">clean</Badge> : <Badge color="red">findings</Badge>}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      <Pager pages={pages} of="runs" />
    </Stack>
  );
}

import { Code, Stack, Table, Title } from '@mantine/core';
import { ListState } from '../components/ListState';
import { Pager } from '../components/Pager';
import { useCursorPages } from '../components/use-cursor-pages';
import { Usd } from '../components/Usd';
import { formatTime } from '../format/time';
import { useSession } from '../session/session';

const KIND_LABELS: Record<string, string> = {
  top_up: 'Top-up',
  reservation: 'Reservation',
  settlement: 'Settlement',
  release: 'Release',
  adjustment: 'Adjustment',
};

/** The account's ledger, newest first, 20 entries a page (finance, admin). */
export function LedgerTable({ accountId }: { accountId: string }) {
  const { api } = useSession();
  const pages = useCursorPages(['ledger', accountId], (cursor) => api.ledger(accountId, cursor));
  return (
    <Stack gap="xs" component="section" aria-labelledby="ledger-title">
      <Title order={2} size="h4" id="ledger-title">
        Ledger
      </Title>
      <ListState pages={pages} of="ledger entries" empty="No ledger entries yet" />
      {pages.items.length > 0 ? (
        <Table striped aria-labelledby="ledger-title" aria-busy={pages.isFetching}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">When</Table.Th>
              <Table.Th scope="col">Kind</Table.Th>
              <Table.Th scope="col" ta="right">Amount</Table.Th>
              <Table.Th scope="col" ta="right">Balance after</Table.Th>
              <Table.Th scope="col">Reference or generation</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {pages.items.map((entry) => (
              <Table.Tr key={entry.id}>
                <Table.Td>{formatTime(entry.createdAt)}</Table.Td>
                <Table.Td>{KIND_LABELS[entry.kind] ?? entry.kind}</Table.Td>
                <Table.Td ta="right">
                  <Usd value={entry.amountUsd} />
                </Table.Td>
                <Table.Td ta="right">
                  <Usd value={entry.balanceAfterUsd} />
                </Table.Td>
                <Table.Td>{entry.generationId ? <Code>{entry.generationId}</Code> : (entry.reference ?? '—')}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      <Pager pages={pages} of="ledger entries" />
    </Stack>
  );
}

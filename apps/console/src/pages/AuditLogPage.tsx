import { Code, Stack, Table } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { ErrorAlert } from '../components/ErrorAlert';
import { ListState } from '../components/ListState';
import { PageTitle } from '../components/PageTitle';
import { Pager } from '../components/Pager';
import { useCursorPages } from '../components/use-cursor-pages';
import { formatTime } from '../format/time';
import { useSession } from '../session/session';

function Change({ before, after }: { before: unknown; after: unknown }) {
  return (
    <details>
      <summary>Before and after</summary>
      <Stack gap={4} mt={4}>
        <div>
          Before: <Code block>{JSON.stringify(before, null, 2)}</Code>
        </div>
        <div>
          After: <Code block>{JSON.stringify(after, null, 2)}</Code>
        </div>
      </Stack>
    </details>
  );
}

/** Every staff write, newest first (admin), with who did it by email where the staff list names them. */
export function AuditLogPage() {
  const { api, can } = useSession();
  const pages = useCursorPages(['audit-log'], (cursor) => api.auditLog(cursor));
  const staff = useQuery({ queryKey: ['staff'], queryFn: () => api.staff(), enabled: can.readStaff });
  const emails = new Map((staff.data?.data ?? []).map((member) => [member.id, member.email]));

  return (
    <Stack>
      <PageTitle title="Audit log">Audit log</PageTitle>
      {staff.error ? (
        <ErrorAlert error={staff.error} title="Staff are shown by id: the staff list did not load" retry={() => void staff.refetch()} />
      ) : null}
      <ListState pages={pages} of="audit entries" empty="Nothing recorded yet" />
      {pages.items.length > 0 ? (
        <Table striped aria-label="Audit log" aria-busy={pages.isFetching} fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">When</Table.Th>
              <Table.Th scope="col">Staff</Table.Th>
              <Table.Th scope="col">Action</Table.Th>
              <Table.Th scope="col">Target</Table.Th>
              <Table.Th scope="col">Change</Table.Th>
              <Table.Th scope="col">Request</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {pages.items.map((entry) => (
              <Table.Tr key={entry.id}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatTime(entry.createdAt)}</Table.Td>
                <Table.Td>{entry.staffId ? (emails.get(entry.staffId) ?? entry.staffId) : 'system'}</Table.Td>
                <Table.Td>
                  <Code>{entry.action}</Code>
                </Table.Td>
                <Table.Td>
                  <Code>{entry.target}</Code>
                </Table.Td>
                <Table.Td>
                  <Change before={entry.before} after={entry.after} />
                </Table.Td>
                <Table.Td>{entry.requestId ? <Code>{entry.requestId}</Code> : '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      <Pager pages={pages} of="audit entries" />
    </Stack>
  );
}

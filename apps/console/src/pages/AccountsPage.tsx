import { Anchor, Stack, Table, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { Link, useSearchParams } from 'react-router';
import { CreateAccountForm } from '../accounts/CreateAccountForm';
import { ListState } from '../components/ListState';
import { PageTitle } from '../components/PageTitle';
import { Pager } from '../components/Pager';
import { StatusBadge } from '../components/StatusBadge';
import { useCursorPages } from '../components/use-cursor-pages';
import { Usd } from '../components/Usd';
import { formatTime } from '../format/time';
import { useSession } from '../session/session';

/** Every account, newest first, searchable by name or email (the search is kept in the address: ?search=). */
export function AccountsPage() {
  const { api, can } = useSession();
  const [params, setParams] = useSearchParams();
  const search = params.get('search') ?? '';
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const pages = useCursorPages(['accounts', { search: debounced }], (cursor) =>
    api.accounts({ search: debounced || undefined, cursor }),
  );

  return (
    <Stack>
      <PageTitle title="Accounts">Accounts</PageTitle>
      {can.createAccounts ? <CreateAccountForm /> : null}
      <TextInput
        label="Search accounts"
        description="Part of a name or an email"
        value={search}
        onChange={(event) => {
          const value = event.currentTarget.value;
          setParams(value ? { search: value } : {}, { replace: true });
        }}
        maw={420}
      />
      <ListState pages={pages} of="accounts" empty={debounced ? `No account matches “${debounced}”` : 'No accounts yet'} />
      {pages.items.length > 0 ? (
        <Table striped highlightOnHover aria-label="Accounts" aria-busy={pages.isFetching}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Email</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col" ta="right">Balance</Table.Th>
              <Table.Th scope="col" ta="right">Reserved</Table.Th>
              <Table.Th scope="col">Created</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {pages.items.map((account) => (
              <Table.Tr key={account.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/accounts/${account.id}`}>
                    {account.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>{account.email ?? '—'}</Table.Td>
                <Table.Td>
                  <StatusBadge status={account.status} />
                </Table.Td>
                <Table.Td ta="right">
                  <Usd value={account.balanceUsd} />
                </Table.Td>
                <Table.Td ta="right">
                  <Usd value={account.reservedUsd} />
                </Table.Td>
                <Table.Td>{formatTime(account.createdAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      <Pager pages={pages} of="accounts" />
    </Stack>
  );
}

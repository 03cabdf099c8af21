import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { messageOf } from '../api/api-error';
import type { Account } from '../api/types';
import { useSession } from '../session/session';
import { domId, inputOnlyLabel } from './input-label';

function accountLabel(account: Pick<Account, 'name' | 'email'>): string {
  return account.email ? `${account.name} (${account.email})` : account.name;
}

/**
 * Picks an account by typing part of its name or email: the API searches (GET /accounts?search=) and the list shows
 * its first 20 matches. Mantine's own filter (the label contains the text) stays on, so that the answer to an older
 * search never offers an account the text does not match while the newer one is on its way.
 */
export function AccountPicker({
  value,
  onChange,
  label = 'Account',
  description,
}: {
  value: Account | null;
  onChange: (account: Account | null) => void;
  label?: string;
  description?: string;
}) {
  const { api } = useSession();
  const fieldId = domId(useId(), 'account');
  const [search, setSearch] = useState(value ? accountLabel(value) : '');
  const [debounced] = useDebouncedValue(search, 250);
  const typed = value && search === accountLabel(value) ? '' : debounced.trim();
  const matches = useQuery({
    queryKey: ['accounts', 'picker', typed],
    queryFn: () => api.accounts({ search: typed || undefined, limit: 20 }),
  });
  const accounts = matches.data?.data ?? [];
  const options = [...(value && !accounts.some((a) => a.id === value.id) ? [value] : []), ...accounts];

  return (
    <Select
      {...inputOnlyLabel(fieldId)}
      label={label}
      description={description}
      placeholder="Type a name or an email"
      searchable
      clearable
      value={value?.id ?? null}
      searchValue={search}
      onSearchChange={setSearch}
      data={options.map((account) => ({ value: account.id, label: accountLabel(account) }))}
      onChange={(id) => onChange(options.find((account) => account.id === id) ?? null)}
      nothingFoundMessage={matches.isLoading ? 'Searching…' : 'No account matches'}
      error={matches.error ? messageOf(matches.error) : undefined}
      maw={420}
    />
  );
}

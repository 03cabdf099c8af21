import { Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { Account, CreatedApiKey } from '../api/types';
import { ListState } from '../components/ListState';
import { Pager } from '../components/Pager';
import { useCursorPages } from '../components/use-cursor-pages';
import { useSession } from '../session/session';
import { CreatedKeyNotice } from './CreatedKeyNotice';
import { CreateKeyForm } from './CreateKeyForm';
import { KeyCard } from './KeyCard';

/** Keys of one account (or of every account), newest first, 20 a page, each with what the role may do to it. */
export function KeysPanel({ account }: { account: Account | null }) {
  const { api, can } = useSession();
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const pages = useCursorPages(['keys', account?.id ?? 'all'], (cursor) => api.keys({ accountId: account?.id, cursor }));

  return (
    <Stack gap="sm" component="section" aria-labelledby="keys-title">
      <Title order={2} size="h4" id="keys-title">
        {account ? 'Keys of this account' : 'Keys of every account'}
      </Title>
      {can.createKeys && account ? <CreateKeyForm account={account} onCreated={setCreated} /> : null}
      {can.createKeys && !account ? <Text c="dimmed">Choose an account to create a key for it.</Text> : null}
      {created ? <CreatedKeyNotice created={created} onDone={() => setCreated(null)} /> : null}
      <ListState pages={pages} of="keys" empty="No keys yet" />
      {pages.items.map((key) => (
        <KeyCard key={key.id} apiKey={key} account={account} />
      ))}
      <Pager pages={pages} of="keys" />
    </Stack>
  );
}

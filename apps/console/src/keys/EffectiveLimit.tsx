import { Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { Account, ApiKey } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';
import { settings } from '../settings';
import { useSession } from '../session/session';
import { effectiveRpm } from './key-settings';

/**
 * The key's effective per-key limit (spec/policy.md): its own, else its account's, else DEFAULT_RPM. The account is
 * the one given (an account's page), else the key's own, fetched (the Keys page of every account, where no account is
 * given): the API's key view does not carry the account's limit. The query is the account page's, so the keys of one
 * account share one call, and saving the account's limits refreshes it.
 */
export function EffectiveLimit({ apiKey, account }: { apiKey: ApiKey; account: Account | null }) {
  const { api } = useSession();
  const fetched = useQuery({
    queryKey: ['accounts', 'one', apiKey.accountId],
    queryFn: () => api.account(apiKey.accountId),
    // Fetched even while the key has an override, so that Reset to default shows the account's limit at once.
    enabled: account === null,
  });
  // An override needs no account.
  const needsAccount = account === null && apiKey.rpmLimit === null;
  if (needsAccount && fetched.error) {
    return (
      <ErrorAlert
        error={fetched.error}
        title="Could not load the account of this key: its effective limit is unknown"
        retry={() => void fetched.refetch()}
      />
    );
  }
  if (needsAccount && !fetched.data) return <Loading what="the effective limit" />;
  const accountRpm = (account ?? fetched.data)?.rpmLimit ?? null;
  return (
    <Text size="sm" aria-live="polite">
      Effective limit: {effectiveRpm(apiKey, accountRpm, settings.defaultRpm)}
    </Text>
  );
}

import { Text } from '@mantine/core';
import { ErrorAlert } from './ErrorAlert';
import type { CursorPages } from './use-cursor-pages';
import { Loading } from './Loading';

/** Loading, failed or empty: what a list says instead of (or above) its rows. Null when there are rows to show. */
export function ListState({ pages, of, empty }: { pages: CursorPages<unknown>; of: string; empty: string }) {
  if (pages.error) return <ErrorAlert error={pages.error} title={`Could not load ${of}`} retry={pages.refetch} />;
  if (pages.isLoading) return <Loading what={of} />;
  if (pages.items.length === 0) return <Text c="dimmed">{empty}</Text>;
  return null;
}

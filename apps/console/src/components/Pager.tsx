import { Button, Group, Text } from '@mantine/core';
import type { CursorPages } from './use-cursor-pages';
import { Loading } from './Loading';

/** Previous / next page of one list; `of` names the list for screen readers ("Next page of ledger entries"). */
export function Pager({ pages, of }: { pages: CursorPages<unknown>; of: string }) {
  if (!pages.hasPrevious && !pages.hasNext) return null;
  return (
    <Group justify="flex-end" gap="xs" mt="xs" role="navigation" aria-label={`Pages of ${of}`}>
      {pages.isFetching ? <Loading what={of} /> : null}
      <Text size="sm" c="dimmed" aria-live="polite">
        Page {pages.pageNumber}
      </Text>
      <Button size="xs" variant="default" disabled={!pages.hasPrevious} onClick={pages.previous} aria-label={`Previous page of ${of}`}>
        Previous
      </Button>
      <Button size="xs" variant="default" disabled={!pages.hasNext} onClick={pages.next} aria-label={`Next page of ${of}`}>
        Next
      </Button>
    </Group>
  );
}

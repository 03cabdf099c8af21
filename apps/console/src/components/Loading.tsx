import { Group, Loader, VisuallyHidden } from '@mantine/core';

/** A spinner that a screen reader reads as words ("Loading the ledger…"); the spinner itself is decoration. */
export function Loading({ what }: { what: string }) {
  return (
    <Group gap="xs">
      <Loader size="sm" aria-hidden />
      <VisuallyHidden>Loading {what}…</VisuallyHidden>
    </Group>
  );
}

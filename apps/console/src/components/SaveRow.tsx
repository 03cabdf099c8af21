import { Button, Group, Text } from '@mantine/core';
import type { SingleSubmit } from './use-single-submit';

/** A form's submit button, with "Saved." announced once the write succeeded. */
export function SaveRow({ label, save, saved }: { label: string; save: SingleSubmit; saved: boolean }) {
  return (
    <Group gap="sm">
      <Button type="submit" size="sm" loading={save.pending} onClick={save.onSubmitClick}>
        {label}
      </Button>
      {saved ? (
        <Text size="sm" c="green" role="status">
          Saved.
        </Text>
      ) : null}
    </Group>
  );
}

import { Alert, Button, Group } from '@mantine/core';
import { messageOf } from '../api/api-error';

/** A failed call, with the API's message; announced to screen readers at once (role="alert"). */
export function ErrorAlert({ error, title = 'The call failed', retry }: { error: unknown; title?: string; retry?: () => void }) {
  return (
    <Alert color="red" variant="light" title={title} role="alert">
      <Group justify="space-between" wrap="nowrap">
        <span>{messageOf(error)}</span>
        {retry ? (
          <Button size="xs" variant="white" color="red" onClick={retry}>
            Try again
          </Button>
        ) : null}
      </Group>
    </Alert>
  );
}

import { Alert, Button, Group, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { CreatedApiKey } from '../api/types';
import { copyText } from './copy-text';

/**
 * The new key's plaintext, shown once: the API never returns it again. It lives in this component's state only
 * (never in the query cache, storage or the address) and is gone when the staff member presses Done or leaves.
 */
export function CreatedKeyNotice({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <Alert color="green" title={`Key “${created.name}” created`} role="status">
      <Text size="sm" mb="xs">
        Copy it now: it is shown only this once.
      </Text>
      <Group align="flex-end" wrap="nowrap">
        <TextInput
          label="New API key"
          readOnly
          value={created.key}
          onFocus={(event) => event.currentTarget.select()}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          w={440}
        />
        <Button onClick={async () => setCopied(await copyText(created.key))}>Copy</Button>
        <Button variant="default" onClick={onDone}>
          Done
        </Button>
      </Group>
      {copied === null ? null : (
        <Text size="sm" mt="xs" role="status" c={copied ? 'green' : 'red'}>
          {copied ? 'Copied to the clipboard.' : 'Could not copy: select the key and copy it by hand.'}
        </Text>
      )}
    </Alert>
  );
}

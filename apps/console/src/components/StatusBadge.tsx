import { Badge } from '@mantine/core';

const COLORS: Record<string, string> = {
  active: 'green',
  disabled: 'gray',
  revoked: 'red',
  suspended: 'orange',
  queued: 'gray',
  running: 'blue',
  completed: 'green',
  failed: 'red',
};

/** A state as a word (never by colour alone). */
export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={COLORS[status] ?? 'gray'} variant="light">
      {status}
    </Badge>
  );
}

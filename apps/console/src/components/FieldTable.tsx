import { Table } from '@mantine/core';
import type { ReactNode } from 'react';

/** Label / value pairs as a two-column table with row headers, named for screen readers. */
export function FieldTable({ label, rows, maw = 720 }: { label: string; rows: (readonly [string, ReactNode])[]; maw?: number }) {
  return (
    <Table aria-label={label} maw={maw} variant="vertical" withTableBorder>
      <Table.Tbody>
        {rows.map(([name, value]) => (
          <Table.Tr key={name}>
            <Table.Th scope="row" w={240}>
              {name}
            </Table.Th>
            <Table.Td>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

import { Anchor, Badge, Code, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useId } from 'react';
import { Link } from 'react-router';
import type { ReconciliationReport } from '../api/types';
import { FieldTable } from '../components/FieldTable';
import { formatCount } from '../format/count';
import { formatUsd } from '../format/money';
import { formatTime } from '../format/time';
import { FindingColumn, FindingSection, findingSections, needsAttention } from './report-findings';

/** Items shown per finding on the page; the totals count them all. */
const SHOWN_ITEMS = 200;

function Cell({ column, value }: { column: FindingColumn; value: unknown }) {
  if (value === null || value === undefined) return <>—</>;
  switch (column.kind) {
    case 'usd':
      return <>{typeof value === 'string' ? formatUsd(value) : String(value)}</>;
    case 'time':
      return <>{formatTime(String(value))}</>;
    case 'list':
      return <>{Array.isArray(value) ? value.join(', ') : String(value)}</>;
    case 'account':
      return (
        <Anchor component={Link} to={`/accounts/${String(value)}`} size="sm">
          {String(value)}
        </Anchor>
      );
    default:
      return <Code>{String(value)}</Code>;
  }
}

function Finding({ section }: { section: FindingSection }) {
  const headingId = useId();
  const attention = needsAttention(section);
  return (
    <Paper
      withBorder
      p="md"
      component="section"
      aria-labelledby={headingId}
      data-attention={attention}
      style={attention ? { borderLeft: '6px solid var(--mantine-color-red-6)', background: 'var(--mantine-color-red-0)' } : undefined}
    >
      <Group gap="sm" mb="xs">
        <Title order={3} size="h5" id={headingId}>
          {section.title} ({formatCount(section.count)}
          {section.usd !== null ? `, ${formatUsd(section.usd)}` : ''})
        </Title>
        {attention ? <Badge color="red">Needs attention</Badge> : <Badge color="gray" variant="light">{section.count > 0 ? 'For information' : 'None'}</Badge>}
      </Group>
      {section.count > 0 ? (
        <>
          <Text size="sm" mb="xs">
            {section.advice}
          </Text>
          <Table striped aria-labelledby={headingId} fz="sm">
            <Table.Thead>
              <Table.Tr>
                {section.columns.map((column) => (
                  <Table.Th key={column.key} scope="col">
                    {column.label}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {section.items.slice(0, SHOWN_ITEMS).map((item, index) => (
                <Table.Tr key={index}>
                  {section.columns.map((column) => (
                    <Table.Td key={column.key}>
                      <Cell column={column} value={item[column.key]} />
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {section.count > Math.min(section.items.length, SHOWN_ITEMS) ? (
            <Text size="sm" c="dimmed" mt="xs">
              Showing {Math.min(section.items.length, SHOWN_ITEMS)} of {formatCount(section.count)}.
            </Text>
          ) : null}
        </>
      ) : null}
    </Paper>
  );
}

/** The report of a completed run: its scope, then every finding, those to act on highlighted. */
export function ReconciliationReportView({ report }: { report: ReconciliationReport }) {
  const sections = findingSections(report);
  const toAct = sections.filter(needsAttention);
  return (
    <Stack gap="md" component="section" aria-labelledby="report-title">
      <Group gap="sm">
        <Title order={2} size="h4" id="report-title">
          Report
        </Title>
        {report.clean ? (
          <Badge color="green" size="lg">
            Clean: nothing to act on
          </Badge>
        ) : (
          <Badge color="red" size="lg">
            {toAct.length} {toAct.length === 1 ? 'finding' : 'findings'} to act on
          </Badge>
        )}
      </Group>
      <FieldTable
        label="Scope of the run"
        maw={640}
        rows={[
          ['Range', `${report.range.from ? formatTime(report.range.from) : 'the beginning'} to ${formatTime(report.range.to)}`],
          ['Usage records checked', formatCount(report.recordsChecked)],
          ['Ledger entries checked', formatCount(report.ledgerEntriesChecked)],
          ['Accounts checked', formatCount(report.accountsChecked)],
          ['Stale reservations released', `${formatCount(report.staleReservations.count)} (${formatUsd(report.staleReservations.usd)})`],
          ['Generated', formatTime(report.generatedAt)],
        ]}
      />
      {report.truncated ? (
        <Text size="sm" c="orange">
          Some lists were cut at {formatCount(report.listLimit)} items; the totals count them all.
        </Text>
      ) : null}
      {sections.map((section) => (
        <Finding key={section.key} section={section} />
      ))}
    </Stack>
  );
}

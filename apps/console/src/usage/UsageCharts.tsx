import { BarChart } from '@mantine/charts';
import '@mantine/charts/styles.css';
import { Alert, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { messageOf } from '../api/api-error';
import type { Account, UsageDay } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { domId, inputOnlyLabel } from '../components/input-label';
import { formatCount } from '../format/count';
import { formatUsd, microsToNumber, usdToMicros } from '../format/money';
import { utcDay } from '../format/time';
import { useSession } from '../session/session';
import { dailyTotals, daysBetween, DayTotals, keysIn } from './daily-series';
import { Loading } from '../components/Loading';

/** Rollup rows fetched for one chart at most (20 pages of 500); past that the page says the range is too wide. */
const MAX_PAGES = 20;
/** Days on one chart at most. */
const MAX_DAYS = 366;

/** What is wrong with the range before asking the API (which says why it refuses the rest, e.g. `to` before `from`). */
function rangeProblem(from: string, to: string): string | null {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(from) || !day.test(to)) return 'Enter both days.';
  if (daysBetween(from, to).length > MAX_DAYS) return `Choose at most ${MAX_DAYS} days.`;
  return null;
}

function useDailyRows(accountId: string, from: string, to: string, enabled: boolean) {
  const { api } = useSession();
  return useQuery({
    enabled,
    queryKey: ['usage-daily', accountId, from, to],
    queryFn: async () => {
      const rows: UsageDay[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const answer = await api.dailyUsage({ accountId, from, to, cursor });
        rows.push(...answer.data);
        if (!answer.nextCursor) return { rows, complete: true };
        cursor = answer.nextCursor;
      }
      return { rows, complete: false };
    },
  });
}

/** Key names for the key filter, where the role may read keys; other roles see the key ids. */
function useKeyNames(accountId: string): { names: Map<string, string>; error: unknown } {
  const { api, can } = useSession();
  const keys = useQuery({
    queryKey: ['keys', accountId, 'names'],
    queryFn: () => api.keys({ accountId, limit: 500 }),
    enabled: can.readKeys,
  });
  return { names: new Map((keys.data?.data ?? []).map((key) => [key.id, `${key.name} (${key.prefix})`])), error: keys.error };
}

function Chart({ title, data, series, unit }: { title: string; data: object[]; series: { name: string; label: string; color: string }[]; unit?: string }) {
  return (
    <Stack gap={4} component="figure" m={0}>
      <Text fw={600} component="figcaption">
        {title}
      </Text>
      {/* The numbers are in the table below: the picture itself says what it is and where to read them. */}
      <div role="img" aria-label={`${title}: bar chart; the numbers are in the Daily usage table`}>
        <BarChart
          h={220}
          data={data as Record<string, unknown>[]}
          dataKey="day"
          series={series}
          type={series.length > 1 ? 'stacked' : 'default'}
          unit={unit}
          withLegend={series.length > 1}
          tickLine="y"
          xAxisProps={{ tickFormatter: (day: string) => day.slice(5) }}
        />
      </div>
    </Stack>
  );
}

function chartData(days: DayTotals[]) {
  return days.map((day) => ({
    day: day.day,
    requests: day.requests,
    input: Number(day.inputTokens),
    output: Number(day.outputTokens),
    cost: microsToNumber(usdToMicros(day.costUsd)),
  }));
}

/**
 * Requests, tokens and cost per UTC day of one account, or one of its keys, from the daily rollups
 * (GET /usage/daily, recomputed by the worker every USAGE_ROLLUP_EVERY_S), as charts and as a table.
 */
export function UsageCharts({ account }: { account: Account }) {
  const today = utcDay(new Date());
  const [from, setFrom] = useState(utcDay(new Date(), -29));
  const [to, setTo] = useState(today);
  const [keyId, setKeyId] = useState<string | null>(null);
  const keyFieldId = domId(useId(), 'key');
  const problem = rangeProblem(from, to);
  const daily = useDailyRows(account.id, from, to, problem === null);
  const keyNames = useKeyNames(account.id);
  const rows = daily.data?.rows ?? [];
  const shown = daily.data !== undefined && problem === null;
  const days = shown ? dailyTotals(rows, from, to, keyId) : [];
  const data = chartData(days);
  // The table lists the days with usage, newest first; the charts show every day of the range.
  const used = [...days].reverse().filter((day) => day.requests > 0 || usdToMicros(day.costUsd) !== 0n);

  return (
    <Stack gap="md" component="section" aria-labelledby="daily-title">
      <Title order={2} size="h4" id="daily-title">
        Daily usage of {account.name}
      </Title>
      <Group align="flex-end">
        <TextInput label="From (UTC day)" type="date" value={from} max={to} onChange={(event) => setFrom(event.currentTarget.value)} />
        <TextInput label="To (UTC day)" type="date" value={to} min={from} onChange={(event) => setTo(event.currentTarget.value)} />
        <Select
          {...inputOnlyLabel(keyFieldId)}
          label="Key"
          placeholder="Every key"
          clearable
          value={keyId}
          onChange={setKeyId}
          data={keysIn(rows).map((id) => ({ value: id, label: keyNames.names.get(id) ?? id }))}
          description={keyNames.error ? `Keys shown by id: ${messageOf(keyNames.error)}` : undefined}
          w={340}
        />
      </Group>
      {problem ? (
        <Text c="orange" role="status">
          {problem}
        </Text>
      ) : null}
      {daily.error && !problem ? <ErrorAlert error={daily.error} title="Could not load the daily usage" retry={() => void daily.refetch()} /> : null}
      {daily.isLoading && !problem ? <Loading what="the daily usage" /> : null}
      {shown && !daily.data.complete ? (
        <Alert color="yellow" role="status">
          The range has more than {MAX_PAGES * 500} rows: the charts show the newest of them. Choose a shorter range.
        </Alert>
      ) : null}
      {shown && !daily.error ? (
        <>
          <SimpleGrid cols={{ base: 1, lg: 3 }}>
            <Chart title="Requests per day" data={data} series={[{ name: 'requests', label: 'Requests', color: 'blue.6' }]} />
            <Chart
              title="Tokens per day"
              data={data}
              series={[
                { name: 'input', label: 'Input tokens', color: 'teal.6' },
                { name: 'output', label: 'Output tokens', color: 'grape.6' },
              ]}
            />
            <Chart title="Cost per day (USD)" data={data} series={[{ name: 'cost', label: 'Cost (USD)', color: 'orange.6' }]} />
          </SimpleGrid>
          <Text size="sm" c="dimmed">
            {used.length === 0 ? 'No usage in this range.' : 'Days without usage are left out of the table.'}
          </Text>
          <Table striped aria-label="Daily usage">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Day (UTC)</Table.Th>
                <Table.Th scope="col" ta="right">Requests</Table.Th>
                <Table.Th scope="col" ta="right">Input tokens</Table.Th>
                <Table.Th scope="col" ta="right">Output tokens</Table.Th>
                <Table.Th scope="col" ta="right">Cost</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {used.map((day) => (
                <Table.Tr key={day.day}>
                  <Table.Td>{day.day}</Table.Td>
                  <Table.Td ta="right">{formatCount(day.requests)}</Table.Td>
                  <Table.Td ta="right">{formatCount(day.inputTokens)}</Table.Td>
                  <Table.Td ta="right">{formatCount(day.outputTokens)}</Table.Td>
                  <Table.Td ta="right">{formatUsd(day.costUsd)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      ) : null}
    </Stack>
  );
}

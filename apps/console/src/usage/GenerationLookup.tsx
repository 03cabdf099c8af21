import { Anchor, Button, Code, Group, Stack, TextInput, Title } from '@mantine/core';
import { FormEvent, useState } from 'react';
import { Link } from 'react-router';
import type { UsageRecord } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { FieldTable } from '../components/FieldTable';
import { useSingleSubmit } from '../components/use-single-submit';
import { formatCount } from '../format/count';
import { formatUsd } from '../format/money';
import { formatTime } from '../format/time';
import { useSession } from '../session/session';

/** One request by the id a client quotes (x-chuizi-generation-id): GET /generations/:id. */
export function GenerationLookup() {
  const { api } = useSession();
  const [generationId, setGenerationId] = useState('');
  const [record, setRecord] = useState<UsageRecord | null>(null);
  const [missing, setMissing] = useState(false);
  const lookup = useSingleSubmit();

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    // Without an id the call would be GET /generations/, which names no generation: say what is missing instead.
    const id = generationId.trim();
    setMissing(id === '');
    if (id === '') {
      setRecord(null);
      lookup.clearError();
      return;
    }
    void lookup.run(async () => {
      setRecord(null);
      setRecord(await api.generation(id));
    });
  }

  const rows: [string, React.ReactNode][] = record
    ? [
        ['Generation', <Code key="g">{record.generationId}</Code>],
        ['When', formatTime(record.createdAt)],
        [
          'Account',
          <Anchor key="a" component={Link} to={`/accounts/${record.accountId}`}>
            {record.accountId}
          </Anchor>,
        ],
        ['Key', <Code key="k">{record.keyId}</Code>],
        ['Model', `${record.model}${record.requestedModel && record.requestedModel !== record.model ? ` (asked as ${record.requestedModel})` : ''}`],
        ['Protocol', `${record.protocol} ${record.endpoint}${record.stream ? ', streamed' : ''}`],
        ['Status', `${record.status} (${record.outcome}${record.errorType ? `, ${record.errorType}` : ''})`],
        ['Upstream status', record.upstreamStatus ?? '—'],
        ['Input tokens', formatCount(record.inputTokens)],
        ['Output tokens', `${formatCount(record.outputTokens)}${record.usageEstimated ? ' (counted by the gateway)' : ''}`],
        ['Cached input tokens', formatCount(record.cachedInputTokens)],
        ['Reserved', formatUsd(record.reservedUsd)],
        ['Cost', formatUsd(record.costUsd)],
        ['Overrun', formatUsd(record.overrunUsd)],
        ['Latency', `${formatCount(record.latencyMs)} ms`],
        ['Request id', record.requestId ?? '—'],
      ]
    : [];

  return (
    <Stack gap="sm" component="section" aria-labelledby="generation-title">
      <Title order={2} size="h4" id="generation-title">
        Find a request
      </Title>
      <form onSubmit={onSubmit} noValidate>
        <Group align="flex-end">
          <TextInput
            label="Generation id"
            description="From the x-chuizi-generation-id header of the answer"
            autoComplete="off"
            w={420}
            value={generationId}
            error={missing ? 'Enter a generation id' : null}
            onChange={(event) => setGenerationId(event.currentTarget.value)}
          />
          <Button type="submit" loading={lookup.pending} onClick={lookup.onSubmitClick}>
            Find generation
          </Button>
        </Group>
      </form>
      {lookup.error ? <ErrorAlert error={lookup.error} title="No such generation" /> : null}
      {record ? <FieldTable label={`Generation ${record.generationId}`} rows={rows} /> : null}
    </Stack>
  );
}

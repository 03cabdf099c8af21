import { Alert, Code, Group, Progress, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import type { ReconciliationStatus } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { PageTitle } from '../components/PageTitle';
import { StatusBadge } from '../components/StatusBadge';
import { formatTime } from '../format/time';
import { ReconciliationReportView } from '../reconciliations/ReconciliationReportView';
import { useSession } from '../session/session';
import { Loading } from '../components/Loading';

const PROGRESS: Record<ReconciliationStatus, { value: number; text: string }> = {
  queued: { value: 15, text: 'Queued: waiting for a worker to take it' },
  running: { value: 55, text: 'Running: a worker is checking the books' },
  completed: { value: 100, text: 'Completed' },
  failed: { value: 100, text: 'Failed' },
};

/** One run: its progress (polled every second until it is over), then its report. */
export function ReconciliationPage() {
  const { runId = '' } = useParams();
  const { api } = useSession();
  const run = useQuery({
    queryKey: ['reconciliations', 'one', runId],
    queryFn: () => api.reconciliation(runId),
    refetchInterval: (query) => (query.state.data && ['completed', 'failed'].includes(query.state.data.status) ? false : 1_000),
  });

  if (run.error) {
    return (
      <Stack>
        <PageTitle title="Reconciliation">Reconciliation</PageTitle>
        <ErrorAlert error={run.error} title="Could not load the run" retry={() => void run.refetch()} />
      </Stack>
    );
  }
  if (!run.data) return <Loading what="the run" />;
  const { data } = run;
  const progress = PROGRESS[data.status];

  return (
    <Stack gap="lg">
      <div>
        <PageTitle title="Reconciliation">Reconciliation</PageTitle>
        <Text size="sm" c="dimmed">
          Run <Code>{data.id}</Code> ({data.trigger}), asked {formatTime(data.createdAt)}; checks{' '}
          {data.from ? formatTime(data.from) : 'the beginning'} to {data.to ? formatTime(data.to) : 'when it was asked'}.
        </Text>
      </div>
      <Stack gap={6} maw={640}>
        <Group gap="sm">
          <StatusBadge status={data.status} />
          <Text size="sm" role="status" aria-live="polite">
            {progress.text}
            {data.finishedAt ? ` at ${formatTime(data.finishedAt)}` : ''}
          </Text>
        </Group>
        <Progress
          value={progress.value}
          color={data.status === 'failed' ? 'red' : data.status === 'completed' ? 'green' : 'blue'}
          animated={data.status === 'queued' || data.status === 'running'}
          aria-label="Progress of the run"
        />
      </Stack>
      {data.status === 'failed' ? (
        <Alert color="red" title="The run failed" role="alert">
          {data.error ?? 'No reason was recorded'}. Start a new run; if it fails again, tell engineering.
        </Alert>
      ) : null}
      {data.report ? <ReconciliationReportView report={data.report} /> : null}
    </Stack>
  );
}

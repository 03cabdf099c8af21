import { Job, UnrecoverableError } from 'bullmq';
import { PermanentReconciliationError, ReconciliationService, scheduledRange, scheduledRunId } from '@gw/billing';
import { ReconcileProcessor, reconcileRequest } from './reconcile.processor';

const RUN_ID = '0b6f5a52-6f1e-4a6c-9a55-3c1c4a3f8e01';
const firedAt = Date.parse('2026-11-25T10:05:00.000Z');

function job(data: unknown, opts: Partial<Job['opts']> = {}, timestamp = firedAt + 42): Job {
  return { data, opts, timestamp, name: 'reconcile', id: 'j1' } as unknown as Job;
}

describe(reconcileRequest.name, () => {
  it('reads a staff run by id', () => {
    expect(reconcileRequest(job({ runId: RUN_ID }))).toEqual({ runId: RUN_ID });
  });

  it('reads the scheduled run from the time it was scheduled for, not when it ran (retries find the same run)', () => {
    expect(reconcileRequest(job({ scheduled: true }, { prevMillis: firedAt }, firedAt + 3_600_000))).toEqual({
      firedAt: new Date(firedAt),
    });
  });

  it.each([[{}], [{ runId: 'not-a-uuid' }], [{ scheduled: 'yes' }], [null]])('refuses %j for good', (data) => {
    expect(() => reconcileRequest(job(data))).toThrow(UnrecoverableError);
  });
});

describe(ReconcileProcessor.name, () => {
  const service = {
    run: jest.fn(),
    runScheduled: jest.fn(),
    fail: jest.fn(),
  };
  const sut = new ReconcileProcessor(service as unknown as ReconciliationService);

  beforeEach(() => jest.resetAllMocks());

  it('runs a staff run and returns what happened', async () => {
    service.run.mockResolvedValue({ runId: RUN_ID, status: 'completed', reportWritten: true, clean: true });
    await expect(sut.process(job({ runId: RUN_ID }))).resolves.toMatchObject({ status: 'completed' });
    expect(service.run).toHaveBeenCalledWith(RUN_ID);
  });

  it('runs the scheduled run of the hour the job was scheduled for', async () => {
    service.runScheduled.mockResolvedValue({ runId: 'x', status: 'completed', reportWritten: true, clean: true });
    await sut.process(job({ scheduled: true }, { prevMillis: firedAt }));
    expect(service.runScheduled).toHaveBeenCalledWith(new Date(firedAt));
  });

  it('does not retry a run that can never succeed, and lets other errors be retried', async () => {
    service.run.mockRejectedValueOnce(new PermanentReconciliationError('the range is empty'));
    await expect(sut.process(job({ runId: RUN_ID }))).rejects.toThrow(UnrecoverableError);
    service.run.mockRejectedValueOnce(new Error('Connection terminated unexpectedly'));
    const retried = sut.process(job({ runId: RUN_ID }));
    await expect(retried).rejects.toThrow('Connection terminated unexpectedly');
    await expect(retried).rejects.not.toBeInstanceOf(UnrecoverableError);
  });

  it('marks the run failed, with the error, once its job failed for good (the scheduled run by its derived id)', async () => {
    await sut.failed(job({ runId: RUN_ID }), new Error('boom'));
    expect(service.fail).toHaveBeenCalledWith(RUN_ID, 'boom');
    await sut.failed(job({ scheduled: true }, { prevMillis: firedAt }), new Error('stalled'));
    expect(service.fail).toHaveBeenLastCalledWith(scheduledRunId(scheduledRange(new Date(firedAt))), 'stalled');
    await sut.failed(job({ nonsense: 1 }), new Error('malformed'));
    expect(service.fail).toHaveBeenCalledTimes(2);
  });
});

import { Injectable, Logger } from '@nestjs/common';
import { GatewayError } from '@gw/common';
import { ReconciliationsRepository, TransactionRunner } from '@gw/db';
import { JobName, JobQueue } from '@gw/jobs';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../shared/actor';
import { parseTimestamp } from '../shared/timestamp.validator';
import { isUuid } from '../shared/uuid';
import { timeCursor } from '../shared/cursor';
import type { ListResponse } from '../shared/list-response';
import { PageQueryDto, pageSize } from '../shared/page-query.dto';
import {
  QueuedReconciliationView,
  ReconciliationSummaryView,
  ReconciliationView,
  toReconciliationSummaryView,
  toReconciliationView,
} from './reconciliation.view';
import type { CreateReconciliationDto } from './reconciliations.dto';

/** Staff ask for a reconciliation; the worker runs it (JobName.RECONCILE) and writes the report on the run's row. */
@Injectable()
export class ReconciliationsService {
  private readonly logger = new Logger(ReconciliationsService.name);

  constructor(
    private readonly runs: ReconciliationsRepository,
    private readonly jobs: JobQueue,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
  ) {}

  async request(actor: Actor, dto: CreateReconciliationDto): Promise<QueuedReconciliationView> {
    const rangeFrom = parseTimestamp(dto.from);
    const rangeTo = parseTimestamp(dto.to);
    // The worker checks [from, to) and fails an empty range for good, without a report (runRange in libs/billing):
    // refuse it here with a 400 naming the field instead of answering 202 for a run that can only fail.
    if (rangeFrom && rangeTo && rangeFrom.getTime() >= rangeTo.getTime()) {
      throw GatewayError.invalidRequest("Invalid value for 'to': must be after 'from'");
    }
    const run = await this.transactions.run(async (tx) => {
      const created = await this.runs.createQueued(
        { rangeFrom, rangeTo, requestedBy: actor.staffId, trigger: 'manual' },
        tx,
      );
      // Without 'to' the range ends at the run's creation time (the database's clock, as the worker reads it): a
      // 'from' at or after it is the same empty range. Thrown inside the transaction, so no run is left behind.
      if (rangeFrom && !rangeTo && rangeFrom.getTime() >= created.createdAt.getTime()) {
        throw GatewayError.invalidRequest(
          "Invalid value for 'from': must be before the moment of the request when 'to' is left out (the range ends then)",
        );
      }
      const view = toReconciliationView(created);
      await this.audit.record(
        actor,
        { action: 'reconciliation.request', target: `reconciliation:${created.id}`, before: null, after: view },
        tx,
      );
      return created;
    });
    try {
      await this.jobs.enqueue(JobName.RECONCILE, { runId: run.id });
    } catch (error) {
      // The run would otherwise wait as "queued" for ever: say it failed, and tell the caller to retry later.
      this.logger.error(`could not queue reconciliation ${run.id}: ${(error as Error).message}`);
      await this.runs.markFailed(run.id, 'could not be queued');
      throw GatewayError.unavailable('The reconciliation could not be queued: try again shortly');
    }
    return { id: run.id, status: 'queued' };
  }

  async list(query: PageQueryDto): Promise<ListResponse<ReconciliationSummaryView>> {
    const page = await this.runs.findPage(pageSize(query), timeCursor.decode(query.cursor));
    return { data: page.items.map(toReconciliationSummaryView), nextCursor: timeCursor.encode(page.next) };
  }

  async get(id: string): Promise<ReconciliationView> {
    const run = isUuid(id) ? await this.runs.findById(id) : null;
    if (!run) throw GatewayError.notFound(`Reconciliation '${id.slice(0, 64)}' not found`);
    return toReconciliationView(run);
  }
}

import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { RedisService } from '@gw/redis';
import { GATEWAY_QUEUE, JobName } from './job-name.enum';
import { jobOptions } from './job-options';
import { JobPayloads } from './job-payloads';

/** A cron pattern (5 fields: minute hour day month weekday), evaluated in UTC. */
export interface JobCron {
  cron: string;
}

/** The id of the one job scheduler of a repeatable job. */
export function schedulerId(name: JobName): string {
  return `schedule-${name}`;
}

/** The only way producers (proxy, admin) put work on the queue. */
@Injectable()
export class JobQueue implements OnModuleDestroy {
  private queueInstance?: Queue;

  constructor(private readonly redis: RedisService) {}

  get queue(): Queue {
    this.queueInstance ??= new Queue(GATEWAY_QUEUE, {
      // Producers fail fast like every Redis call on a request's path (RedisService): a settlement handed over while
      // Redis hangs fails at the command deadline rather than holding the shutdown up.
      connection: {
        url: this.redis.url,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: this.redis.commandTimeoutMs,
        commandTimeout: this.redis.commandTimeoutMs,
      },
      prefix: `${this.redis.keyPrefix}bull`,
    });
    return this.queueInstance;
  }

  async enqueue<N extends JobName>(name: N, data: JobPayloads[N]): Promise<void> {
    await this.queue.add(name, data, jobOptions(name, data));
  }

  /**
   * Runs `name` every `everyMs` (or on a cron pattern, in UTC) through a BullMQ job scheduler. Upserting by a fixed id
   * makes this idempotent: however many workers call it at boot, there is one schedule and one job per interval.
   */
  async schedule<N extends JobName>(name: N, every: number | JobCron, data: JobPayloads[N]): Promise<void> {
    const { jobId: _jobId, ...opts } = jobOptions(name, data);
    const repeat = typeof every === 'number' ? { every } : { pattern: every.cron, tz: 'UTC' };
    await this.queue.upsertJobScheduler(schedulerId(name), repeat, { name, data, opts });
  }

  async onModuleDestroy(): Promise<void> {
    await this.queueInstance?.close();
  }
}

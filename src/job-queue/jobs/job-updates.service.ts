import { Inject, Injectable } from '@nestjs/common';
import type { PubSubEngine } from 'graphql-subscriptions';
import { AsyncQueue } from '../common/async-queue';
import type { Caller } from '../common/caller';
import type { JobRecord } from '../common/job-record';
import { PrismaService } from '../database/prisma.service';
import { type JobsChangedMessage, JobTopics } from '../events/job-events';
import { JOB_EVENT_BUS } from '../job-queue.constants';
import type { JobFilterInput } from './dto/job-filter.input';
import { changeMatches } from './job-filter.matcher';

/** Every status change of the jobs a filter selects, as the jobs' current rows (for `jobUpdated`). */
@Injectable()
export class JobUpdatesService {
  constructor(
    @Inject(JOB_EVENT_BUS) private readonly bus: PubSubEngine,
    private readonly prisma: PrismaService,
  ) {}

  watch(filter: JobFilterInput | undefined, caller: Caller): AsyncIterableIterator<JobRecord> {
    let subscription: number | undefined;
    let closed = false;
    let reading = Promise.resolve();
    const queue = new AsyncQueue<JobRecord>(() => {
      closed = true;
      if (subscription !== undefined) this.bus.unsubscribe(subscription);
    });
    const onChanges = ({ changes }: JobsChangedMessage) => {
      const matching = changes.filter((change) => changeMatches(change, filter, caller));
      if (matching.length === 0) return;
      // Read in arrival order so each subscriber sees a job's changes in the order they were published. The row
      // may have moved on since; each update still carries the status of the change it reports.
      reading = reading
        .then(async () => {
          const ids = [...new Set(matching.map((change) => change.jobId))];
          const jobs = await this.prisma.client.processingJob.findMany({ where: { id: { in: ids } } });
          const byId = new Map(jobs.map((job) => [job.id, job]));
          for (const change of matching) {
            const job = byId.get(change.jobId);
            if (job) queue.push({ ...job, status: change.status });
          }
        })
        .catch(() => undefined);
    };
    void this.bus.subscribe(JobTopics.jobChanged, onChanges, {}).then((id) => {
      if (closed) this.bus.unsubscribe(id);
      else subscription = id;
    });
    return queue;
  }
}

import { Injectable } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import { JobStatus } from '../common/job.enums';
import { type JobChangedEvent, type JobsChangedMessage, JobTopics, type WakeupMessage } from './job-events';
import { JobEventBus } from './job-event-bus';
import { LocalJobEvents } from './local-job-events';

/** Changes per message: each is ~200 bytes, and a NOTIFY payload must stay under 8000. */
const CHANGES_PER_MESSAGE = 30;

export type ChangedJob = Pick<JobRecord, 'id' | 'status' | 'format' | 'priority' | 'userId' | 'createdAt'>;

/** Publishes the queue's events. A lost event never loses a job: workers also poll, subscribers re-read. */
@Injectable()
export class JobEventsPublisher {
  constructor(
    private readonly events: JobEventBus,
    private readonly local: LocalJobEvents,
  ) {}

  wakeWorkers(): Promise<void> {
    this.local.wakeWorkers();
    const message: WakeupMessage = { origin: this.local.instanceId };
    return this.events.publish(JobTopics.wakeup, message);
  }

  /**
   * `status`, when given, is the jobs' new status, in place of the one their records still hold. Only the changes to
   * a status someone listens for go out (see EventInterest): a claim's PROCESSING changes are built for no one while
   * every listener waits for jobs to end.
   */
  async jobsChanged(jobs: readonly ChangedJob[], status?: JobStatus): Promise<void> {
    if (!this.events.wants(JobTopics.jobChanged)) return; // publish() would drop them too: nothing is built for no one
    const wantedByStatus = new Map<string, boolean>(); // a batch holds a few statuses at most
    const wanted = (newStatus: string) => {
      if (!wantedByStatus.has(newStatus))
        wantedByStatus.set(newStatus, this.events.wants(JobTopics.jobChanged, newStatus));
      return wantedByStatus.get(newStatus)!;
    };
    const changes: JobChangedEvent[] = [];
    for (const job of jobs) {
      const newStatus = status ?? (job.status as JobStatus);
      if (!wanted(newStatus)) continue;
      changes.push({
        jobId: job.id,
        status: newStatus,
        format: job.format,
        priority: job.priority,
        userId: job.userId,
        createdAt: job.createdAt.toISOString(),
      });
    }
    // All messages are handed to the bus at once: it keeps publish order, so a later change of a job never
    // overtakes an earlier one still waiting here.
    const sent: Promise<void>[] = [];
    for (let start = 0; start < changes.length; start += CHANGES_PER_MESSAGE) {
      const message: JobsChangedMessage = { changes: changes.slice(start, start + CHANGES_PER_MESSAGE) };
      sent.push(this.events.publish(JobTopics.jobChanged, message));
    }
    await Promise.all(sent);
  }

  /**
   * Jobs a settlement changed (an outcome, a stalled recovery, a release at shutdown): published, and the workers of
   * every instance woken once if any of them can be claimed again (RETRYING, or PENDING when given back): a pool that
   * found the queue empty sleeps until its next due job or poll otherwise.
   */
  async jobsSettled(jobs: ChangedJob[]): Promise<void> {
    const claimable = jobs.some(
      (job) => job.status === String(JobStatus.RETRYING) || job.status === String(JobStatus.PENDING),
    );
    await Promise.all([this.jobsChanged(jobs), claimable ? this.wakeWorkers() : undefined]);
  }

  requestCancel(jobId: string): Promise<void> {
    return this.events.publish(JobTopics.cancelRequested, { jobId });
  }
}

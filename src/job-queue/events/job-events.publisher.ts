import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PubSubEngine } from 'graphql-subscriptions';
import type { JobRecord } from '../common/job-record';
import { JobStatus } from '../common/job.enums';
import { JOB_EVENT_BUS } from '../job-queue.constants';
import { type JobChangedEvent, type JobsChangedMessage, JobTopics, type WakeupMessage } from './job-events';
import { LocalJobEvents } from './local-job-events';

/** Changes per message: each is ~200 bytes, and a NOTIFY payload must stay under 8000. */
const CHANGES_PER_MESSAGE = 30;

export type ChangedJob = Pick<JobRecord, 'id' | 'status' | 'format' | 'priority' | 'userId' | 'createdAt'>;

/** Publishes the queue's events. A lost event never loses a job: workers also poll, subscribers re-read. */
@Injectable()
export class JobEventsPublisher {
  private readonly logger = new Logger(JobEventsPublisher.name);

  constructor(
    @Inject(JOB_EVENT_BUS) private readonly bus: PubSubEngine,
    private readonly local: LocalJobEvents,
  ) {}

  wakeWorkers(): Promise<void> {
    this.local.wakeWorkers();
    const message: WakeupMessage = { origin: this.local.instanceId };
    return this.send(JobTopics.wakeup, message);
  }

  async jobsChanged(jobs: ChangedJob[]): Promise<void> {
    const changes: JobChangedEvent[] = jobs.map((job) => ({
      jobId: job.id,
      status: job.status as JobStatus,
      format: job.format,
      priority: job.priority,
      userId: job.userId,
      createdAt: job.createdAt.toISOString(),
    }));
    // All messages are handed to the bus at once: it keeps publish order, so a later change of a job never
    // overtakes an earlier one still waiting here.
    const sent: Promise<void>[] = [];
    for (let start = 0; start < changes.length; start += CHANGES_PER_MESSAGE) {
      const message: JobsChangedMessage = { changes: changes.slice(start, start + CHANGES_PER_MESSAGE) };
      sent.push(this.send(JobTopics.jobChanged, message));
    }
    await Promise.all(sent);
  }

  requestCancel(jobId: string): Promise<void> {
    return this.send(JobTopics.cancelRequested, { jobId });
  }

  private async send(topic: string, payload: unknown): Promise<void> {
    try {
      await this.bus.publish(topic, payload);
    } catch (error) {
      this.logger.warn(`could not publish ${topic}: ${(error as Error).message}`);
    }
  }
}

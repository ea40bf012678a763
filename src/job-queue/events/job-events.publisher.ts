import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PubSubEngine } from 'graphql-subscriptions';
import type { JobRecord } from '../common/job-record';
import { JobStatus } from '../common/job.enums';
import { JOB_EVENT_BUS } from '../job-queue.constants';
import { type JobChangedEvent, JobTopics } from './job-events';

/** Publishes the queue's events. A lost event never loses a job: workers also poll, subscribers re-read. */
@Injectable()
export class JobEventsPublisher {
  private readonly logger = new Logger(JobEventsPublisher.name);

  constructor(@Inject(JOB_EVENT_BUS) private readonly bus: PubSubEngine) {}

  wakeWorkers(): Promise<void> {
    return this.send(JobTopics.wakeup, {});
  }

  async jobsChanged(jobs: Pick<JobRecord, 'id' | 'status' | 'format' | 'priority' | 'userId'>[]): Promise<void> {
    await Promise.all(
      jobs.map((job) => {
        const event: JobChangedEvent = {
          jobId: job.id,
          status: job.status as JobStatus,
          format: job.format,
          priority: job.priority,
          userId: job.userId,
        };
        return this.send(JobTopics.jobChanged, event);
      }),
    );
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

import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PubSubEngine } from 'graphql-subscriptions';
import type { JobRecord } from '../common/job-record';
import { JobStatus } from '../common/job.enums';
import { PrismaService } from '../database/prisma.service';
import { type JobProgressEvent, JobTopics } from '../events/job-events';
import { JOB_EVENT_BUS } from '../job-queue.constants';
import { MonotonicProgressReporter, type ProgressReporter, type ProgressSnapshot } from './progress-reporter';

/** At most this often per job does progress reach the database (always on a stage change and at the end). */
export const PROGRESS_WRITE_INTERVAL_MS = 500;
/** At most this often per job are progress events published. */
export const PROGRESS_EVENT_INTERVAL_MS = 100;

export interface TrackedProgress {
  reporter: ProgressReporter;
  /** Writes and publishes what is still held back by the throttles; call before the outcome is committed. */
  flush(): Promise<void>;
  stop(): void;
}

/** Turns a processor's reports into throttled database writes and prompt events. */
@Injectable()
export class ProgressTrackerService {
  private readonly logger = new Logger(ProgressTrackerService.name);

  constructor(
    private readonly prisma: PrismaService,
    @Inject(JOB_EVENT_BUS) private readonly bus: PubSubEngine,
  ) {}

  track(job: JobRecord, workerId: string): TrackedProgress {
    const writer = new Throttle(PROGRESS_WRITE_INTERVAL_MS, () => this.write(job.id, workerId, reporter.snapshot()));
    const publisher = new Throttle(PROGRESS_EVENT_INTERVAL_MS, () => this.publish(job, reporter.snapshot()));
    const reporter = new MonotonicProgressReporter(Number(job.fileSize), (_snapshot, stageChanged) => {
      if (stageChanged) writer.now();
      else writer.soon();
      publisher.soon();
    });
    return {
      reporter,
      flush: async () => {
        await Promise.all([writer.now(), publisher.now()]);
      },
      stop: () => {
        writer.cancel();
        publisher.cancel();
      },
    };
  }

  private async write(jobId: string, workerId: string, snapshot: ProgressSnapshot): Promise<void> {
    await this.prisma.client.processingJob
      .updateMany({
        where: { id: jobId, leaseOwner: workerId, status: JobStatus.PROCESSING },
        data: { stage: snapshot.stage, progress: snapshot.progress, bytesProcessed: BigInt(snapshot.bytesProcessed) },
      })
      .catch((error: Error) => this.logger.warn(`progress of ${jobId} not saved: ${error.message}`));
  }

  private async publish(job: JobRecord, snapshot: ProgressSnapshot): Promise<void> {
    const event: JobProgressEvent = {
      jobId: job.id,
      status: JobStatus.PROCESSING,
      stage: snapshot.stage,
      progress: snapshot.progress,
      bytesProcessed: snapshot.bytesProcessed,
      totalBytes: snapshot.totalBytes,
      message: snapshot.message,
      at: new Date().toISOString(),
    };
    await this.bus.publish(JobTopics.jobProgress, event).catch(() => undefined);
  }
}

/** Runs `action` at most once per interval; `soon()` schedules a trailing run, `now()` runs at once. */
class Throttle {
  private timer: NodeJS.Timeout | null = null;
  private last = 0;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly intervalMs: number,
    private readonly action: () => Promise<void>,
  ) {}

  soon(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.last + this.intervalMs - Date.now());
    this.timer = setTimeout(() => void this.now(), wait);
  }

  now(): Promise<void> {
    this.cancel();
    this.last = Date.now();
    this.running = this.running.then(this.action, this.action);
    return this.running;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

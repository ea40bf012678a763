import { Injectable } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import { JobStatus, type ProcessingStage } from '../common/job.enums';
import { JobTable } from '../common/job-table';
import { JobEventBus } from '../events/job-event-bus';
import { type JobProgressEvent, JobTopics } from '../events/job-events';
import type { ProgressReporter, ProgressSnapshot } from '../processor-contract/progress-reporter';
import { MonotonicProgressReporter } from './progress-reporter';
import { ProgressRepository } from './progress.repository';
import { ProgressWrites } from './progress-writes';
import { Throttle } from './throttle';

/** At most this often per job are progress events published. */
export const PROGRESS_EVENT_INTERVAL_MS = 100;

export interface TrackedProgress {
  reporter: ProgressReporter;
  /**
   * Publishes what the throttle still holds back (null: nothing was), and stops the progress writes: the outcome's
   * own write carries the final state.
   */
  flush(): Promise<void> | null;
  stop(): void;
}

/** Turns the reports of the processors running on this instance into batched writes and prompt events. */
@Injectable()
export class ProgressTrackerService {
  private readonly active = new JobTable<ProgressReporter>();
  private readonly writes: ProgressWrites;

  constructor(
    repository: ProgressRepository,
    private readonly bus: JobEventBus,
  ) {
    this.writes = new ProgressWrites((workerId, saves) => repository.saveMany(workerId, saves));
  }

  /**
   * Starts tracking an attempt's progress. `onStage` hears each stage as it is entered, whoever reports it (the
   * processor, the runner, or code outside both through ProgressService.updaterFor).
   */
  track(job: JobRecord, workerId: string, onStage?: (stage: ProcessingStage) => void): TrackedProgress {
    // The first write waits a full interval: a job that ends sooner has its final state written by its outcome alone.
    const written = this.writes.entry(job.id, workerId, () => reporter.snapshot());
    // Events are handed to the bus at once, which keeps their order, each with the snapshot of its moment: a stage
    // passed quickly is still seen, and nothing here waits for delivery.
    const publish = (snapshot: ProgressSnapshot) => this.publish(job.id, snapshot);
    const publisher = new Throttle(PROGRESS_EVENT_INTERVAL_MS, () => Promise.resolve(publish(reporter.snapshot())));
    // Every stage change is published at once; byte counts are throttled; writes go out at most twice a second.
    const reporter = new MonotonicProgressReporter(Number(job.fileSize), (snapshot, stageChanged) => {
      this.writes.reported(written);
      if (stageChanged) {
        onStage?.(snapshot.stage);
        publisher.cancel();
        publish(snapshot);
      } else {
        publisher.soon();
      }
    });
    this.active.set(job.id, reporter);
    const stop = () => {
      this.writes.stop(written);
      publisher.cancel();
      if (this.active.get(job.id) === reporter) this.active.delete(job.id);
    };
    return {
      reporter,
      flush: () => {
        this.writes.stop(written);
        // Unless a trailing publish is scheduled, every event was handed to the bus already (publishing is synchronous).
        return publisher.scheduled ? publisher.flush() : null;
      },
      stop,
    };
  }

  /** The reporter of a job running on this instance, if it runs here. */
  reporterOf(jobId: string): ProgressReporter | undefined {
    return this.active.get(jobId);
  }

  private publish(jobId: string, snapshot: ProgressSnapshot): void {
    if (!this.bus.wants(JobTopics.jobProgress)) return; // no one watches progress anywhere: nothing to build
    const event: JobProgressEvent = {
      jobId,
      status: JobStatus.PROCESSING,
      stage: snapshot.stage,
      progress: snapshot.progress,
      bytesProcessed: snapshot.bytesProcessed,
      totalBytes: snapshot.totalBytes,
      message: snapshot.message,
      at: new Date().toISOString(),
    };
    void this.bus.publish(JobTopics.jobProgress, event);
  }
}

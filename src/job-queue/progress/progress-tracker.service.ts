import { Injectable } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import { JobStatus, type ProcessingStage } from '../common/job.enums';
import { JobTable, type JobTableSlot } from '../common/job-table';
import { JobEventBus } from '../events/job-event-bus';
import { type JobProgressEvent, JobTopics } from '../events/job-events';
import type { ProgressReporter, ProgressSnapshot } from '../processor-contract/progress-reporter';
import { MonotonicProgressReporter } from './progress-reporter';
import { ProgressRepository } from './progress.repository';
import { type ProgressEntry, ProgressWrites } from './progress-writes';
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
    this.writes = new ProgressWrites((workerId, progress) => repository.saveMany(workerId, progress));
  }

  /**
   * Starts tracking an attempt's progress. `onStage` hears each stage as it is entered, whoever reports it (the
   * processor, the runner, or code outside both through ProgressService.updaterFor).
   */
  track(job: JobRecord, workerId: string, onStage?: (stage: ProcessingStage) => void): TrackedProgress {
    return new TrackedAttempt(this, this.writes, job, workerId, onStage);
  }

  /** The reporter of a job running on this instance, if it runs here. */
  reporterOf(jobId: string): ProgressReporter | undefined {
    return this.active.get(jobId);
  }

  /** Makes `reporter` the one reporterOf finds for the job, until `untrack`. */
  trackReporter(jobId: string, reporter: ProgressReporter): JobTableSlot {
    return this.active.add(jobId, reporter);
  }

  /** The attempt has ended: its reporter is no longer the job's (a newer attempt's, if any, still is). */
  untrack(slot: JobTableSlot): void {
    this.active.remove(slot);
  }

  /** Hands a progress event to the bus (which keeps their order); builds nothing when no one watches progress. */
  publish(jobId: string, snapshot: ProgressSnapshot): void {
    if (!this.bus.wants(JobTopics.jobProgress)) return;
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

/**
 * One attempt's progress: its reporter, its place among the instance's writes, and its events. Every stage change
 * is published at once, each with the snapshot of its moment (a stage passed quickly is still seen); byte counts
 * are published at most every PROGRESS_EVENT_INTERVAL_MS, and written with the rest at most twice a second. The
 * first write waits a full interval: a job that ends sooner has its final state written by its outcome alone.
 * One object with methods, not a closure per callback: an attempt is made for every job a burn-down runs.
 */
class TrackedAttempt implements TrackedProgress {
  readonly reporter: MonotonicProgressReporter;
  private readonly written: ProgressEntry;
  private readonly tracked: JobTableSlot;
  /** Made at the first byte count: an attempt that reports stages alone publishes each at once and needs none. */
  private publisher: Throttle | null = null;

  constructor(
    private readonly tracker: ProgressTrackerService,
    private readonly writes: ProgressWrites,
    job: JobRecord,
    workerId: string,
    private readonly onStage?: (stage: ProcessingStage) => void,
  ) {
    this.reporter = new MonotonicProgressReporter(Number(job.fileSize), (snapshot, stageChanged) =>
      this.changed(snapshot, stageChanged),
    );
    this.written = writes.entry(job.id, workerId, this.reporter);
    this.tracked = tracker.trackReporter(job.id, this.reporter);
  }

  flush(): Promise<void> | null {
    this.writes.stop(this.written);
    // Unless a trailing publish is scheduled, every event was handed to the bus already (publishing is synchronous).
    return this.publisher?.scheduled ? this.publisher.flush() : null;
  }

  stop(): void {
    this.writes.stop(this.written);
    this.publisher?.cancel();
    this.tracker.untrack(this.tracked);
  }

  private changed(snapshot: ProgressSnapshot, stageChanged: boolean): void {
    this.writes.reported(this.written);
    if (stageChanged) {
      this.onStage?.(snapshot.stage);
      this.publisher?.cancel();
      this.tracker.publish(this.written.jobId, snapshot);
    } else {
      this.publisher ??= new Throttle(PROGRESS_EVENT_INTERVAL_MS, () => this.publishLatest());
      this.publisher.soon();
    }
  }

  private publishLatest(): Promise<void> {
    this.tracker.publish(this.written.jobId, this.reporter.snapshot());
    return Promise.resolve();
  }
}

import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AsyncQueue } from '../common/async-queue';
import type { JobRecord } from '../common/job-record';
import { JobStatus, type ProcessingStage } from '../common/job.enums';
import type { QueueDriver } from '../database/queue-driver';
import { JobEventBus } from '../events/job-event-bus';
import { type JobChangedEvent, JobTopics } from '../events/job-events';
import { QUEUE_DRIVER } from '../job-queue.constants';
import { ProgressTrackerService } from './progress-tracker.service';
import { isTerminal, type ProgressUpdate, updateFromEvent, updateFromJob } from './progress-update';

export type ProgressListener = (update: ProgressUpdate) => void;

export interface ProgressChange {
  stage?: ProcessingStage;
  bytesProcessed?: number;
  message?: string;
}

/**
 * Progress for integrators and subscriptions, from every instance: listeners per job (removed when the job
 * ends), an updater for a job running here, and a stream that starts with the job's current state.
 */
@Injectable()
export class ProgressService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProgressService.name);
  private readonly listeners = new Map<string, Set<ProgressListener>>();
  /** How to end each watch() stream with an error, by job id: when it can no longer be told every change. */
  private readonly failers = new Map<string, Set<(error: Error) => void>>();
  /**
   * The subscriptions to progress events and status changes, while some job is watched: both topics are published
   * (anywhere, see EventInterest) only while someone listens, and a burn-down no one watches publishes neither.
   */
  private feeds: Promise<(() => void)[]> | null = null;
  private stopMissedEvents: () => void = () => undefined;

  constructor(
    private readonly bus: JobEventBus,
    @Inject(QUEUE_DRIVER) private readonly driver: QueueDriver,
    private readonly tracker: ProgressTrackerService,
  ) {}

  onApplicationBootstrap(): void {
    this.stopMissedEvents = this.bus.onEventsMissed((reason) =>
      this.fail([...this.failers.keys()], `${reason}: events may have been missed; read the job and subscribe again`),
    );
  }

  onApplicationShutdown(): void {
    this.stopMissedEvents();
    this.stopListening();
  }

  /** Calls `listener` with every update of the job until it ends. Returns a function that stops it sooner. */
  onProgress(jobId: string, listener: ProgressListener): () => void {
    void this.listenToProgress();
    const unregister = this.register(this.listeners, jobId, listener);
    return () => {
      unregister();
      this.stopListeningIfUnwatched();
    };
  }

  /** Resolves once progress events and status changes reach this instance (the other instances know it listens). */
  private listenToProgress(): Promise<unknown> {
    this.feeds ??= Promise.all([
      this.bus.subscribe(JobTopics.jobProgress, (event) => this.dispatch(updateFromEvent(event))),
      this.bus.subscribe(JobTopics.jobChanged, ({ changes }) => this.onStatusChanges(changes)),
    ]);
    return this.feeds;
  }

  private stopListeningIfUnwatched(): void {
    if (this.listeners.size === 0) this.stopListening();
  }

  private stopListening(): void {
    const feeds = this.feeds;
    this.feeds = null;
    void feeds?.then((stops) => stops.forEach((stop) => stop())).catch(() => undefined);
  }

  /** Reports progress of a job that runs on this instance (for code outside its processor). */
  updaterFor(jobId: string): (change: ProgressChange) => void {
    return (change) => {
      const reporter = this.tracker.reporterOf(jobId);
      if (!reporter) throw new Error(`Job ${jobId} is not running on this instance`);
      if (change.stage) reporter.stage(change.stage, change.message);
      if (change.bytesProcessed !== undefined) reporter.bytes(change.bytesProcessed);
    };
  }

  /**
   * The job's current state, then every change, ending after its terminal state. Progress within an attempt
   * never goes backwards (an event overtaken by a later one is dropped).
   */
  watch(job: JobRecord): AsyncIterableIterator<ProgressUpdate> {
    let lastProgress = -1;
    let snapshotTaken = false;
    const early: ProgressUpdate[] = [];
    const queue = new AsyncQueue<ProgressUpdate>(() => {
      stop();
      stopFailing();
    });
    const stopFailing = this.register(this.failers, job.id, (error) => queue.fail(error));
    const deliver = (update: ProgressUpdate) => {
      if (update.status === JobStatus.PROCESSING && update.progress < lastProgress) return;
      lastProgress =
        update.status === JobStatus.PROCESSING || update.status === JobStatus.COMPLETED ? update.progress : -1;
      queue.push(update);
      if (isTerminal(update.status)) queue.end();
    };
    const stop = this.onProgress(job.id, (update) => (snapshotTaken ? deliver(update) : early.push(update)));
    // The snapshot is read once the progress events are on their way here, so that none falls between the two.
    void this.listenToProgress()
      .then(() => this.driver.records.findJob(job.id))
      .catch(() => null) // the database is going away (shutdown): start from the state already read
      .then((current) => {
        snapshotTaken = true;
        deliver(updateFromJob(current ?? job));
        for (const update of early.splice(0)) deliver(update);
      });
    return queue;
  }

  private dispatch(update: ProgressUpdate): void {
    const set = this.listeners.get(update.jobId);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(update);
      } catch (error) {
        this.logger.warn(`a progress listener of job ${update.jobId} failed: ${(error as Error).message}`);
      }
    }
    if (isTerminal(update.status)) {
      this.listeners.delete(update.jobId);
      this.stopListeningIfUnwatched();
    }
  }

  /** Never rejects: a failed read ends the watchers it concerns with an error instead. */
  private async onStatusChanges(changes: JobChangedEvent[]): Promise<void> {
    const watched = [...new Set(changes.map((change) => change.jobId))].filter((jobId) => this.listeners.has(jobId));
    if (watched.length === 0) return;
    let jobs: JobRecord[];
    try {
      jobs = await this.driver.findJobs(watched);
    } catch (error) {
      const cause = (error as Error).message.split('\n').at(-1);
      this.logger.warn(`could not read ${watched.length} watched job(s) after a status change: ${cause}`);
      // Their new status is unknown: a watcher left waiting might wait for an end that already happened.
      for (const jobId of watched)
        this.fail(
          [jobId],
          `could not read job ${jobId} after a status change (${cause}): events may have been missed; read the job and subscribe again`,
        );
      return;
    }
    for (const job of jobs) this.dispatch(updateFromJob(job));
  }

  private fail(jobIds: string[], message: string): void {
    for (const jobId of jobIds) {
      for (const fail of [...(this.failers.get(jobId) ?? [])]) fail(new Error(message));
    }
  }

  private register<T>(map: Map<string, Set<T>>, jobId: string, entry: T): () => void {
    let set = map.get(jobId);
    if (!set) map.set(jobId, (set = new Set()));
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && map.get(jobId) === set) map.delete(jobId);
    };
  }
}

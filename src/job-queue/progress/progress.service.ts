import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { PubSubEngine } from 'graphql-subscriptions';
import { AsyncQueue } from '../common/async-queue';
import type { JobRecord } from '../common/job-record';
import { JobStatus, type ProcessingStage } from '../common/job.enums';
import { PrismaService } from '../database/prisma.service';
import { type JobProgressEvent, type JobsChangedMessage, JobTopics } from '../events/job-events';
import { JOB_EVENT_BUS } from '../job-queue.constants';
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
  private readonly listeners = new Map<string, Set<ProgressListener>>();
  private readonly subscriptions: number[] = [];

  constructor(
    @Inject(JOB_EVENT_BUS) private readonly bus: PubSubEngine,
    private readonly prisma: PrismaService,
    private readonly tracker: ProgressTrackerService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscriptions.push(
      await this.bus.subscribe(JobTopics.jobProgress, (event: JobProgressEvent) => this.dispatch(updateFromEvent(event)), {}),
      await this.bus.subscribe(JobTopics.jobChanged, (message: JobsChangedMessage) => void this.onStatusChanges(message), {}),
    );
  }

  onApplicationShutdown(): void {
    for (const id of this.subscriptions.splice(0)) this.bus.unsubscribe(id);
  }

  /** Calls `listener` with every update of the job until it ends. Returns a function that stops it sooner. */
  onProgress(jobId: string, listener: ProgressListener): () => void {
    let set = this.listeners.get(jobId);
    if (!set) this.listeners.set(jobId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(jobId) === set) this.listeners.delete(jobId);
    };
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
    const queue = new AsyncQueue<ProgressUpdate>(() => stop());
    const deliver = (update: ProgressUpdate) => {
      if (update.status === JobStatus.PROCESSING && update.progress < lastProgress) return;
      lastProgress = update.status === JobStatus.PROCESSING || update.status === JobStatus.COMPLETED ? update.progress : -1;
      queue.push(update);
      if (isTerminal(update.status)) queue.end();
    };
    const stop = this.onProgress(job.id, (update) => (snapshotTaken ? deliver(update) : early.push(update)));
    void this.prisma.client.processingJob
      .findUnique({ where: { id: job.id } })
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
    for (const listener of [...set]) listener(update);
    if (isTerminal(update.status)) this.listeners.delete(update.jobId);
  }

  private async onStatusChanges({ changes }: JobsChangedMessage): Promise<void> {
    const watched = changes.filter((change) => this.listeners.has(change.jobId)).map((change) => change.jobId);
    if (watched.length === 0) return;
    const jobs = await this.prisma.client.processingJob.findMany({ where: { id: { in: watched } } });
    for (const job of jobs) this.dispatch(updateFromJob(job));
  }
}

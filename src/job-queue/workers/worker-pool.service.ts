import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import { JobTable, type JobTableSlot } from '../common/job-table';
import type { QueueStore } from '../database/queue-store';
import { JobEventBus } from '../events/job-event-bus';
import { JobTopics } from '../events/job-events';
import { LocalJobEvents } from '../events/local-job-events';
import { JobEventsPublisher } from '../events/job-events.publisher';
import { JOB_QUEUE_OPTIONS, QUEUE_DRIVER } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import { ClaimPacing } from './claim-pacing';
import { JobRunner } from './job-runner';
import { AttemptAbort, JobAbort } from './attempt-abort';
import { JobOutcomesRepository } from './job-outcomes.repository';
import { jobLogFields } from './job-telemetry';
import { Lease } from './lease';
import { Wakeup } from './wakeup';

interface RunningJob {
  job: JobRecord;
  /** Its processor is done; only its outcome's commit is left, which holds no slot. */
  committing: boolean;
  abort: AttemptAbort;
  lease: Lease;
  done: Promise<void>;
}

/** A running job's `done` until its attempt's promise is chained (set in the same turn). */
const NOT_YET_CHAINED: Promise<void> = Promise.resolve();

/** After aborting at the shutdown deadline, how long processors get to notice before their jobs are released. */
const ABORT_GRACE_MS = 1000;
const MIN_IDLE_WAIT_MS = 10;
/**
 * Leases are renewed every third of their length, but at least this often: renewal is also how a worker that
 * missed a cancel event learns of it (one statement per instance for all its running jobs).
 */
const MAX_RENEWAL_INTERVAL_MS = 10_000;

/**
 * Runs up to `workerConcurrency` jobs at once on this instance. Idle, it sleeps until a wake-up event (an
 * enqueue on any instance), the next due job, or the fallback poll. It renews the leases of the jobs it runs.
 */
@Injectable()
export class WorkerPoolService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerPoolService.name);
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly running = new JobTable<RunningJob>();
  /** How many of `running` are committing their outcome (RunningJob.committing). */
  private committing = 0;
  private readonly wakeup = new Wakeup();
  private readonly subscriptions: (() => void)[] = [];
  private stopLocalWakeups: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private readonly pacing: ClaimPacing;
  private heartbeat: NodeJS.Timeout | null = null;
  private started = false;
  private renewing = false;
  private stopping = false;

  constructor(
    @Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions,
    @Inject(QUEUE_DRIVER) private readonly store: QueueStore,
    private readonly bus: JobEventBus,
    private readonly runner: JobRunner,
    private readonly outcomes: JobOutcomesRepository,
    private readonly events: JobEventsPublisher,
    private readonly local: LocalJobEvents,
  ) {
    this.pacing = new ClaimPacing(options.workerConcurrency, options.pollIntervalMs);
  }

  get activeJobIds(): string[] {
    return this.running.ids();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.workersEnabled) await this.startClaiming();
  }

  /**
   * Starts claiming. Boot calls it when `workersEnabled`; an instance booted without workers may call it later
   * (to start once its own start-up work is done). Calling it again does nothing.
   */
  async startClaiming(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopLocalWakeups = this.local.onWakeWorkers(() => this.wakeup.notify());
    this.subscriptions.push(
      await this.bus.subscribe(JobTopics.wakeup, ({ origin }) => {
        if (origin !== this.local.instanceId) this.wakeup.notify();
      }),
      await this.bus.subscribe(JobTopics.cancelRequested, ({ jobId }) => {
        this.running.get(jobId)?.abort.abort(new JobAbort('cancelled', 'Cancelled while running'));
      }),
    );
    const leaseMs = this.options.stalledJobThresholdMs;
    const renewEveryMs = Math.max(250, Math.min(MAX_RENEWAL_INTERVAL_MS, Math.floor(leaseMs / 3)));
    this.heartbeat = setInterval(() => void this.renewLeases(leaseMs), renewEveryMs);
    this.loop = this.claimLoop(leaseMs);
    this.logger.log(`Worker ${this.workerId} started with concurrency ${this.options.workerConcurrency}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    this.wakeup.notify();
    await this.loop;
    for (const stop of this.subscriptions.splice(0)) stop();
    this.stopLocalWakeups?.();
    await this.drain();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.loop = null;
  }

  /**
   * True while the claim loop sleeps out the whole fallback poll with nothing running: it saw no due job, and
   * only a wake-up (or the poll) starts the next claim. A signal for tests, which otherwise would sleep.
   */
  get sleepsUntilPoll(): boolean {
    return this.running.size === 0 && this.waitsOutPoll;
  }

  /**
   * True while every slot is taken (running, or committing past the bound of freeSlots) and the loop waits for a
   * job to end. A signal for tests.
   */
  get waitsForSlots(): boolean {
    return this.freeSlots() <= 0 && this.waitsOutPoll;
  }

  /** The loop sleeps for the whole fallback poll: only a wake-up (a job ending, an enqueue) ends it sooner. */
  private get waitsOutPoll(): boolean {
    return (this.wakeup.waitingFor ?? 0) >= this.options.pollIntervalMs;
  }

  private async claimLoop(leaseMs: number): Promise<void> {
    while (!this.stopping) {
      // Jobs finishing in this turn of the event loop free their slots first, so that one claim serves them all. An
      // idle pool has none to wait for: the turn would only delay its claim (~0.1-0.2 ms of enqueue → start).
      if (this.store.claimsWhileCommitting && this.running.size > 0)
        await new Promise((resolve) => setImmediate(resolve));
      const free = this.freeSlots();
      const waitMs = this.pacing.msBeforeClaiming(free, this.running.size);
      if (waitMs > 0) {
        await this.wakeup.wait(waitMs);
        continue;
      }
      const claimed = await this.claimAndStart(free, leaseMs);
      if (claimed === null) await this.wakeup.wait(this.options.pollIntervalMs);
      else if (this.pacing.queueDrained && !this.stopping) await this.wakeup.wait(await this.idleWaitMs());
      this.pacing.idleWaitEnded();
    }
  }

  /**
   * Slots whose processor is free. Where the store claims while outcomes commit, a job whose outcome is being
   * committed holds none: the next batch is claimed while the last one commits, instead of after it. At most as
   * many jobs again may be committing; past that, the pool waits for their commits.
   */
  private freeSlots(): number {
    const concurrency = this.options.workerConcurrency;
    if (!this.store.claimsWhileCommitting) return concurrency - this.running.size;
    return Math.min(concurrency - (this.running.size - this.committing), 2 * concurrency - this.running.size);
  }

  /** Claims up to `free` jobs and starts them: how many it claimed, or null when the claim failed. */
  private async claimAndStart(free: number, leaseMs: number): Promise<number | null> {
    const claimStartedAt = Date.now();
    let claimed: JobRecord[];
    try {
      claimed = await this.store.claim(this.workerId, free, leaseMs);
    } catch (error) {
      this.logger.warn(`claim failed, retrying: ${(error as Error).message}`);
      return null;
    }
    this.pacing.claimed(claimed.length, free);
    for (const job of claimed) this.start(job, Lease.from(claimStartedAt, leaseMs));
    if (claimed.length > 0) void this.events.jobsChanged(claimed);
    return claimed.length;
  }

  private start(job: JobRecord, lease: Lease): void {
    // An earlier attempt of this job still running here lost it (its lease expired, the job was recovered, and this
    // claim holds it now): it stops now rather than when its lease renewal or its refused outcome tells it. Only a
    // job past its first attempt can have one, and only those pay for the lookup, a walk of the running jobs: for
    // every job it was 1.3-2.5 µs a start (20,480 starts over 256-512 running jobs, as the burn-down's pool has).
    if (job.attemptCount > 1) {
      const lost = new JobAbort('lost', 'This worker claimed the job again: a new attempt holds it');
      this.running.get(job.id)?.abort.abort(lost);
    }
    const abort = new AttemptAbort();
    const entry: RunningJob = { job, abort, lease, committing: false, done: NOT_YET_CHAINED };
    const processed = () => {
      if (entry.committing) return;
      entry.committing = true;
      this.committing++;
      this.slotFreed();
    };
    const slot = this.running.add(job.id, entry);
    // One `then` rather than `catch` and `finally`: two promises and the closures `finally` makes, less per job.
    entry.done = this.runner.run(job, this.workerId, abort, lease, processed).then(
      () => this.ended(entry, slot),
      (error: Error) => {
        this.logger.error({ msg: `Job could not be settled: ${error.message}`, ...jobLogFields(job, this.workerId) });
        this.ended(entry, slot);
      },
    );
  }

  private ended(entry: RunningJob, slot: JobTableSlot): void {
    if (entry.committing) this.committing--;
    this.running.remove(slot);
    this.slotFreed();
  }

  private slotFreed(): void {
    if (!this.pacing.queueDrained) this.wakeup.notify();
  }

  /** Sleep until the next job is due, bounded by the fallback poll. */
  private async idleWaitMs(): Promise<number> {
    const poll = this.options.pollIntervalMs;
    try {
      const untilDue = await this.store.msUntilNextDue();
      // A due job that could not be claimed is locked by another claimer for a moment: look again shortly.
      return untilDue === null ? poll : Math.min(poll, Math.max(MIN_IDLE_WAIT_MS, untilDue));
    } catch {
      return poll;
    }
  }

  /**
   * Extends the leases of the jobs running here; aborts those it lost (recovered as stalled meanwhile) and those
   * whose cancel was requested (the event may never have reached this instance). One renewal at a time: a slow
   * database must not pile them up.
   */
  private async renewLeases(leaseMs: number): Promise<void> {
    const jobIds = this.activeJobIds;
    if (this.renewing || jobIds.length === 0) return;
    this.renewing = true;
    const startedAt = Date.now();
    try {
      const { lost, cancelRequested } = await this.store.renewLeases(this.workerId, jobIds, leaseMs);
      const lostIds = new Set(lost);
      const running = this.running.byId();
      for (const jobId of jobIds) if (!lostIds.has(jobId)) running.get(jobId)?.lease.renewed(startedAt, leaseMs);
      for (const jobId of lost)
        running.get(jobId)?.abort.abort(new JobAbort('lost', 'This worker no longer holds the job'));
      for (const jobId of cancelRequested) {
        running.get(jobId)?.abort.abort(new JobAbort('cancelled', 'Cancelled while running'));
      }
    } catch (error) {
      this.logger.warn(`lease renewal failed: ${(error as Error).message}`);
    } finally {
      this.renewing = false;
    }
  }

  /** Lets running jobs finish within the shutdown timeout, then aborts and releases the rest to PENDING. */
  private async drain(): Promise<void> {
    if (this.running.size === 0) return;
    this.logger.log(`Waiting up to ${this.options.shutdownTimeoutMs} ms for ${this.running.size} running job(s)`);
    const all = () => Promise.all(this.running.values().map((entry) => entry.done));
    if (await finishesWithin(all(), this.options.shutdownTimeoutMs)) return;
    const unfinished = this.running.values();
    for (const entry of unfinished) entry.abort.abort(new JobAbort('shutdown', 'The instance is shutting down'));
    await finishesWithin(all(), ABORT_GRACE_MS);
    let released: JobRecord[];
    try {
      released = await this.outcomes.release(
        this.workerId,
        unfinished.map((entry) => entry.job),
      );
    } catch (error) {
      // The database is down, say. Thrown from here, the error ended the whole shutdown: the HTTP server, the pools and
      // the event bus (reconnecting every second) stayed open. Unreleased jobs are recovered once their leases expire.
      const reason = (error as Error).message;
      this.logger.warn(
        `could not release ${unfinished.length} unfinished job(s), run again once their leases expire: ${reason}`,
      );
      return;
    }
    await this.events.jobsSettled(released); // the other instances' pools are woken for them
    this.logger.log(`Released ${released.length} unfinished job(s) back to PENDING (or CANCELLED, when asked)`);
  }
}

function finishesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void work.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

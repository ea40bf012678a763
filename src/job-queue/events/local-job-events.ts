import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { asError } from '../common/as-error';
import type { JobRecord } from '../common/job-record';
import type { JobStatus, ProcessingStage } from '../common/job.enums';

export type SettledOutcome = JobStatus.COMPLETED | JobStatus.RETRYING | JobStatus.FAILED | JobStatus.CANCELLED;

export interface JobSettled {
  job: JobRecord;
  outcome: SettledOutcome;
  finishedAt: Date;
}

/** A stage of an attempt ended (the next began, or the attempt ended): how long it took. */
export interface StageFinished {
  format: string;
  stage: ProcessingStage;
  seconds: number;
}

const logger = new Logger('LocalJobEvents');

/**
 * Listeners of one kind, called in the order they were added; removing one during a call leaves that call whole. One
 * that throws is logged and skipped: they are called from inside an attempt and from a batch's commit, where a host's
 * listener that failed failed the attempt, or kept the batch's jobs from being reported done.
 */
class Listeners<E> {
  private list: ((event: E) => void)[] = [];

  constructor(private readonly kind: string) {}

  get size(): number {
    return this.list.length;
  }

  add(listener: (event: E) => void): () => void {
    this.list = [...this.list, listener];
    return () => {
      const index = this.list.indexOf(listener);
      if (index !== -1) this.list = this.list.filter((_, at) => at !== index);
    };
  }

  call(event: E): void {
    for (const listener of this.list) {
      try {
        listener(event);
      } catch (error) {
        logger.warn(`a listener of ${this.kind} failed: ${asError(error).message}`); // as the event buses log theirs
      }
    }
  }
}

/**
 * What happened to the jobs of this instance only (not every instance, unlike the event bus): the source of
 * per-instance counters such as Prometheus metrics, which a scrape of every instance adds up.
 *
 * Plain lists rather than an EventEmitter: every job finishes five or so stages, and `emit` with its event object was
 * ~27 of the ~600 ms of CPU a whole-service worker spent in a 20,000-job burn-down (CPU profile, Node 22); a worker
 * with no listener (no metrics) now builds no stage event at all.
 */
@Injectable()
export class LocalJobEvents {
  /** Tags what this instance publishes on the bus, so that it can tell its own events when they come back. */
  readonly instanceId = randomUUID();
  private readonly wakeups = new Listeners<void>('wakeWorkers');
  private readonly settlements = new Listeners<JobSettled>('settled');
  private readonly stages = new Listeners<StageFinished>('stageFinished');

  /** Jobs became claimable here: this instance's workers start at once, without the bus's round trip. */
  wakeWorkers(): void {
    this.wakeups.call();
  }

  onWakeWorkers(listener: () => void): () => void {
    return this.wakeups.add(listener);
  }

  settled(event: JobSettled): void {
    this.settlements.call(event);
  }

  onSettled(listener: (event: JobSettled) => void): () => void {
    return this.settlements.add(listener);
  }

  /** A stage of an attempt ended; its event is built only when someone listens (a worker-only process has no one). */
  stageFinished(format: string, stage: ProcessingStage, seconds: number): void {
    if (this.stages.size > 0) this.stages.call({ format, stage, seconds });
  }

  onStageFinished(listener: (event: StageFinished) => void): () => void {
    return this.stages.add(listener);
  }
}

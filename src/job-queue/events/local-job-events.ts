import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
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

/**
 * What happened to the jobs of this instance only (not every instance, unlike the event bus): the source of
 * per-instance counters such as Prometheus metrics, which a scrape of every instance adds up.
 */
@Injectable()
export class LocalJobEvents {
  /** Tags what this instance publishes on the bus, so that it can tell its own events when they come back. */
  readonly instanceId = randomUUID();
  private readonly emitter = new EventEmitter().setMaxListeners(50);

  /** Jobs became claimable here: this instance's workers start at once, without the bus's round trip. */
  wakeWorkers(): void {
    this.emitter.emit('wakeup');
  }

  onWakeWorkers(listener: () => void): () => void {
    this.emitter.on('wakeup', listener);
    return () => this.emitter.off('wakeup', listener);
  }

  settled(event: JobSettled): void {
    this.emitter.emit('settled', event);
  }

  onSettled(listener: (event: JobSettled) => void): () => void {
    this.emitter.on('settled', listener);
    return () => this.emitter.off('settled', listener);
  }

  stageFinished(event: StageFinished): void {
    this.emitter.emit('stage', event);
  }

  onStageFinished(listener: (event: StageFinished) => void): () => void {
    this.emitter.on('stage', listener);
    return () => this.emitter.off('stage', listener);
  }
}

import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import type { JobStatus } from '../common/job.enums';

export type SettledOutcome = JobStatus.COMPLETED | JobStatus.RETRYING | JobStatus.FAILED | JobStatus.CANCELLED;

export interface JobSettled {
  job: JobRecord;
  outcome: SettledOutcome;
  finishedAt: Date;
}

/**
 * What happened to the jobs of this instance only (not every instance, unlike the event bus): the source of
 * per-instance counters such as Prometheus metrics, which a scrape of every instance adds up.
 */
@Injectable()
export class LocalJobEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(50);

  settled(event: JobSettled): void {
    this.emitter.emit('settled', event);
  }

  onSettled(listener: (event: JobSettled) => void): () => void {
    this.emitter.on('settled', listener);
    return () => this.emitter.off('settled', listener);
  }
}

import { Injectable } from '@nestjs/common';
import type { JobAttemptRecord } from '../common/job-record';
import { JobsRepository } from './jobs.repository';

interface Batch {
  ids: Set<string>;
  result: Promise<Map<string, JobAttemptRecord[]>>;
}

/**
 * Reads the `attempts` of every job an operation resolves together in one query, not one per job (a page of 20 jobs
 * asked 20 times before). One batcher per GraphQL context, so requests never share a read. The batch collects the
 * ids asked for until the resolvers of the current execution step have run (setImmediate: every resolver call of a
 * list's items is made within the microtasks of one step, whatever awaits Nest puts before it), then reads them.
 * Nothing is cached past its batch: a subscription's context lives as long as its connection, and attempts change.
 */
@Injectable()
export class AttemptsLoader {
  private readonly pending = new WeakMap<object, Batch>();

  constructor(private readonly repository: JobsRepository) {}

  async load(context: object, jobId: string): Promise<JobAttemptRecord[]> {
    let batch = this.pending.get(context);
    if (!batch) {
      const ids = new Set<string>();
      const result = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.pending.delete(context);
        return this.repository.attemptsOfMany([...ids]);
      });
      batch = { ids, result };
      this.pending.set(context, batch);
    }
    batch.ids.add(jobId);
    return (await batch.result).get(jobId) ?? [];
  }
}

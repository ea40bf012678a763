import { Inject, Injectable, Logger } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import { JobStatus } from '../common/job.enums';
import type { Completion, QueueStore } from '../database/queue-store';
import { JobEventsPublisher } from '../events/job-events.publisher';
import { LocalJobEvents } from '../events/local-job-events';
import { QUEUE_STORE } from '../job-queue.constants';
import type { ProcessingOutput } from './file-processor.interface';

/** Completions committed by one statement at most; more wait for the next round. */
const MAX_BATCH = 500;

interface PendingCompletion {
  job: JobRecord;
  workerId: string;
  completion: Completion;
  settle: (committed: boolean) => void;
  fail: (error: Error) => void;
}

/**
 * Collects the completions of one turn of the event loop and commits them together (one transaction per worker
 * id), so that short jobs cost a fraction of a round trip each. A completion is reported (resolved, published)
 * only after its transaction committed.
 */
@Injectable()
export class CompletionBatcher {
  private readonly logger = new Logger(CompletionBatcher.name);
  private pending: PendingCompletion[] = [];

  constructor(
    @Inject(QUEUE_STORE) private readonly store: QueueStore,
    private readonly events: JobEventsPublisher,
    private readonly local: LocalJobEvents,
  ) {}

  /** Resolves true once the job is committed COMPLETED; false when the worker no longer held it. */
  complete(job: JobRecord, workerId: string, output: ProcessingOutput): Promise<boolean> {
    const completion: Completion = {
      jobId: job.id,
      extractedText: output.extractedText ?? null,
      metadata: output.metadata === undefined ? null : JSON.stringify(output.metadata),
      result: output.result === undefined ? null : JSON.stringify(output.result),
      bytesProcessed: job.fileSize,
    };
    return new Promise((settle, fail) => {
      this.pending.push({ job, workerId, completion, settle, fail });
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, MAX_BATCH);
    if (this.pending.length > 0) setImmediate(() => void this.flush());
    const byWorker = new Map<string, PendingCompletion[]>();
    for (const entry of batch) byWorker.set(entry.workerId, [...(byWorker.get(entry.workerId) ?? []), entry]);
    await Promise.all([...byWorker].map(([workerId, entries]) => this.commit(workerId, entries)));
  }

  private async commit(workerId: string, entries: PendingCompletion[]): Promise<void> {
    let committed: Set<string>;
    try {
      committed = await this.store.completeMany(workerId, entries.map((entry) => entry.completion));
    } catch (error) {
      this.logger.warn(`could not commit ${entries.length} completion(s): ${(error as Error).message}`);
      for (const entry of entries) entry.fail(error as Error);
      return;
    }
    const done = entries.filter((entry) => committed.has(entry.job.id));
    const finishedAt = new Date();
    for (const { job } of done) this.local.settled({ job, outcome: JobStatus.COMPLETED, finishedAt });
    // Committed, so reported; the worker's slot does not wait for the event to reach the other instances.
    void this.events.jobsChanged(done.map(({ job }) => ({ ...job, status: JobStatus.COMPLETED })));
    for (const entry of entries) entry.settle(committed.has(entry.job.id));
  }
}

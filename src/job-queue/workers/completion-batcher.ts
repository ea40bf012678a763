import { Inject, Injectable, Logger } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import { JobStatus } from '../common/job.enums';
import type { Completion, QueueStore } from '../database/queue-store';
import { JobEventsPublisher } from '../events/job-events.publisher';
import { LocalJobEvents } from '../events/local-job-events';
import { QUEUE_STORE } from '../job-queue.constants';
import { isDatabaseUnavailable } from '../common/database-unavailable';
import type { ProcessingOutput } from '../processor-contract/file-processor.interface';
import { commitRetryDelayMs, type Lease } from './lease';

/** Completions committed by one statement at most; more wait for the next round. */
const MAX_BATCH = 500;

interface PendingCompletion {
  job: JobRecord;
  workerId: string;
  completion: Completion;
  lease: Lease;
  /** Commits tried so far that failed because the database could not be reached. */
  tries: number;
  settle: (committed: boolean) => void;
  fail: (error: Error) => void;
}

/**
 * Collects the completions of one turn of the event loop and commits them together (one transaction per worker
 * id), so that short jobs cost a fraction of a round trip each. A completion is reported (resolved, published)
 * only after its transaction committed. While the database cannot be reached, a batch is tried again with backoff
 * for as long as its jobs' leases hold (see commitWhileLeaseHolds); a batch that fails for any other reason is
 * tried job by job, so that one bad completion does not fail the others.
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
  complete(job: JobRecord, workerId: string, output: ProcessingOutput, lease: Lease): Promise<boolean> {
    const completion: Completion = {
      jobId: job.id,
      extractedText: output.extractedText ?? null,
      metadata: output.metadata === undefined ? null : JSON.stringify(output.metadata),
      result: output.result === undefined ? null : JSON.stringify(output.result),
      bytesProcessed: job.fileSize,
    };
    return new Promise((settle, fail) => {
      this.enqueue([{ job, workerId, completion, lease, tries: 0, settle, fail }]);
    });
  }

  private enqueue(entries: PendingCompletion[]): void {
    const wasEmpty = this.pending.length === 0;
    this.pending.push(...entries);
    if (wasEmpty) setImmediate(() => void this.flush());
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
      committed = await this.store.completeMany(
        workerId,
        entries.map((entry) => entry.completion),
      );
    } catch (error) {
      if (isDatabaseUnavailable(error)) this.retryLater(entries, error as Error);
      else if (entries.length > 1) await Promise.all(entries.map((entry) => this.commit(workerId, [entry])));
      else this.giveUp(entries, error as Error);
      return;
    }
    const done = entries.filter((entry) => committed.has(entry.job.id));
    const finishedAt = new Date();
    for (const { job } of done) this.local.settled({ job, outcome: JobStatus.COMPLETED, finishedAt });
    // Committed, so reported; the worker's slot does not wait for the event to reach the other instances.
    void this.events.jobsChanged(done.map(({ job }) => ({ ...job, status: JobStatus.COMPLETED })));
    for (const entry of entries) entry.settle(committed.has(entry.job.id));
  }

  /** Commits the batch again after a pause, without the jobs whose leases run out before then. */
  private retryLater(entries: PendingCompletion[], error: Error): void {
    const delayMs = commitRetryDelayMs(Math.max(...entries.map((entry) => entry.tries)));
    const holding = entries.filter((entry) => entry.lease.holdsAfter(delayMs));
    this.giveUp(
      entries.filter((entry) => !holding.includes(entry)),
      error,
    );
    if (holding.length === 0) return;
    this.logger.warn(
      `database unavailable, committing ${holding.length} completion(s) again in ${delayMs} ms: ${error.message}`,
    );
    for (const entry of holding) entry.tries++;
    setTimeout(() => this.enqueue(holding), delayMs).unref();
  }

  private giveUp(entries: PendingCompletion[], error: Error): void {
    if (entries.length === 0) return;
    this.logger.warn(`could not commit ${entries.length} completion(s): ${error.message}`);
    for (const entry of entries) entry.fail(error);
  }
}

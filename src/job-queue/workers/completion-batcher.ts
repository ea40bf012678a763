import { Inject, Injectable, Logger } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import { JobStatus } from '../common/job.enums';
import type { Completion, QueueStore } from '../database/queue-store';
import { JobEventsPublisher } from '../events/job-events.publisher';
import { LocalJobEvents } from '../events/local-job-events';
import { QUEUE_DRIVER } from '../job-queue.constants';
import type { ProcessingOutput } from '../processor-contract/file-processor.interface';
import type { Lease } from './lease';
import { type BatchedOutcome, OutcomeBatcher } from './outcome-batcher';
import { storedOutput } from './stored-output';

interface PendingCompletion extends BatchedOutcome {
  job: JobRecord;
  completion: Completion;
}

/**
 * Commits completions in batches (see OutcomeBatcher: one statement per worker id and event-loop turn, tried again
 * while the database cannot be reached and the lease holds), and reports each once committed.
 */
@Injectable()
export class CompletionBatcher {
  private readonly batcher: OutcomeBatcher<PendingCompletion, true>;

  constructor(@Inject(QUEUE_DRIVER) store: QueueStore, events: JobEventsPublisher, local: LocalJobEvents) {
    this.batcher = new OutcomeBatcher<PendingCompletion, true>(
      {
        noun: 'completion',
        commit: async (workerId, items) => {
          const committed = await store.completeMany(
            workerId,
            items.map((item) => item.completion),
          );
          return new Map([...committed].map((id) => [id, true as const]));
        },
        committed: (items, results) => {
          const done = items.filter((item) => results.has(item.jobId));
          const finishedAt = new Date();
          for (const { job } of done) local.settled({ job, outcome: JobStatus.COMPLETED, finishedAt });
          // Committed, so reported; the worker's slot does not wait for the event to reach the other instances. The
          // records go as they are, with the new status beside them: a copy of each (37 fields) was made for every
          // completed job even when no one listened.
          void events.jobsChanged(
            done.map(({ job }) => job),
            JobStatus.COMPLETED,
          );
        },
      },
      new Logger(CompletionBatcher.name),
    );
  }

  /** Resolves with true once the job is committed COMPLETED; null when the worker no longer held it. */
  complete(job: JobRecord, workerId: string, output: ProcessingOutput, lease: Lease): Promise<true | null> {
    const completion: Completion = {
      jobId: job.id,
      attempt: job.attemptCount,
      ...storedOutput(output),
      bytesProcessed: job.fileSize,
    };
    return this.batcher.submit({ jobId: job.id, workerId, lease, job, completion });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import type { QueueDriver } from '../database/queue-driver';
import { QUEUE_DRIVER } from '../job-queue.constants';
import { JobsException } from '../jobs/jobs.exception';
import { ProcessingJobModel } from '../jobs/models/processing-job.model';
import { type ProgressUpdate, recordOfUpdate } from './progress-update';

/**
 * The job an update belongs to, as it stands at that update (ProgressUpdate.job, for client caches). An update made
 * from a row (the first of a stream, a status change) carries that row; a progress event is read once, whatever the
 * number of subscribers: every watcher of the job on this instance is handed the same update object, so the read is
 * keyed by it. The update's own status, stage, progress and bytes override the row's: rows are written less often
 * than progress is reported, and a cache must not show the job behind the update it just received.
 */
@Injectable()
export class ProgressJobs {
  private readonly reads = new WeakMap<ProgressUpdate, Promise<JobRecord | null>>();

  constructor(@Inject(QUEUE_DRIVER) private readonly driver: QueueDriver) {}

  async jobAt(update: ProgressUpdate): Promise<ProcessingJobModel> {
    const record = recordOfUpdate(update) ?? (await this.read(update));
    if (!record) throw JobsException.jobNotFound(update.jobId);
    return Object.assign(ProcessingJobModel.fromRecord(record), {
      status: update.status,
      stage: update.stage,
      progress: update.progress,
      bytesProcessed: update.bytesProcessed,
    });
  }

  private read(update: ProgressUpdate): Promise<JobRecord | null> {
    let read = this.reads.get(update);
    if (!read) {
      read = this.load(update.jobId);
      this.reads.set(update, read);
    }
    return read;
  }

  private load(jobId: string): Promise<JobRecord | null> {
    return this.driver.records.findJob(jobId);
  }
}

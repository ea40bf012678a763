import type { JobRecord } from '../common/job-record';
import { JobStatus, ProcessingStage, TERMINAL_STATUSES } from '../common/job.enums';
import type { JobProgressEvent } from '../events/job-events';

/** One step of a job's progress, as listeners and subscribers receive it. */
export interface ProgressUpdate {
  jobId: string;
  status: JobStatus;
  progress: number;
  stage: ProcessingStage;
  bytesProcessed: number | null;
  totalBytes: number | null;
  message: string | null;
  at: Date;
}

export function updateFromEvent(event: JobProgressEvent): ProgressUpdate {
  return { ...event, at: new Date(event.at) };
}

/** The row an update was made from, so that its `job` field needs no read of its own. */
const recordsOfUpdates = new WeakMap<ProgressUpdate, JobRecord>();

export function recordOfUpdate(update: ProgressUpdate): JobRecord | undefined {
  return recordsOfUpdates.get(update);
}

export function updateFromJob(job: JobRecord): ProgressUpdate {
  const update: ProgressUpdate = {
    jobId: job.id,
    status: job.status as JobStatus,
    progress: job.progress,
    stage: job.stage as ProcessingStage,
    bytesProcessed: job.bytesProcessed === null ? null : Number(job.bytesProcessed),
    totalBytes: Number(job.fileSize),
    message: job.errorMessage,
    at: job.updatedAt,
  };
  recordsOfUpdates.set(update, job);
  return update;
}

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

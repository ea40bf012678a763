import type { JobAttemptRecord, JobRecord } from '../common/job-record';
import { JobStatus } from '../common/job.enums';
import { attemptId } from './queue-store';

/** The job columns its own attempt is read from. */
export type JobOwnAttemptFields = Pick<
  JobRecord,
  'id' | 'status' | 'attemptCount' | 'startedAt' | 'completedAt' | 'leaseOwner' | 'nextAttemptManual'
>;

/**
 * The attempt that has no row of its own and lives on the job record: the running one (the claim writes no row; the
 * row is written, closed, when the attempt fails, is cancelled or released) and the one that completed the job (a
 * success writes no row either: the completion keeps the worker in lease_owner and the manual flag, and
 * completed_at is its end). Skipping that INSERT took the SQLite burn-down from 9,973 to 13,197 jobs/s. Null when
 * the job's last attempt is already a row (a job completed by an older version wrote one) or it is not running or
 * completed.
 */
export function attemptOnJob(job: JobOwnAttemptFields, rows: JobAttemptRecord[]): JobAttemptRecord | null {
  const status = job.status as JobStatus;
  const completed = status === JobStatus.COMPLETED;
  if (status !== JobStatus.PROCESSING && !completed) return null;
  if (job.attemptCount === 0 || rows.some((row) => row.number === job.attemptCount)) return null;
  return {
    id: attemptId(job.id, job.attemptCount),
    jobId: job.id,
    number: job.attemptCount,
    workerId: job.leaseOwner,
    startedAt: job.startedAt ?? new Date(0),
    finishedAt: completed ? job.completedAt : null,
    outcome: completed ? JobStatus.COMPLETED : null,
    errorCode: null,
    errorMessage: null,
    manual: job.nextAttemptManual,
  };
}

/** The job's whole history: its attempt rows in number order, then the attempt on the job when there is one. */
export function attemptHistory(job: JobOwnAttemptFields, rows: JobAttemptRecord[]): JobAttemptRecord[] {
  const onJob = attemptOnJob(job, rows);
  return onJob ? [...rows, onJob] : rows;
}

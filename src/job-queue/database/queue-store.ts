import type { JobRecord, StoredFileRecord } from '../common/job-record';
import type { ProgressSnapshot } from '../processor-contract/progress-reporter';

/**
 * The queue's own operations: enqueue, the worker's path (claim, outcomes, leases, progress) and the sweeps'. What
 * the API reads of jobs is QueueDriver.records, the statistics QueueDriver.statistics.
 */
export interface QueueStore {
  /**
   * Whether a claim runs while outcomes commit. PostgreSQL: yes, each on a connection of its own, so a worker pool
   * claims its next batch while the last one commits (a no-op burn-down of 20,000 ran 10,100-10,500 jobs/s instead of
   * 6,500-6,850). SQLite: no, its one writer runs in the worker's own thread; overlapping them there only made each
   * commit twice as large (12,000 jobs/s fell to 7,000 in the same probe).
   */
  readonly claimsWhileCommitting: boolean;

  /**
   * Inserts new PENDING jobs in one transaction, each with its file's name, size and format copied from the stored
   * file, and the estimate of that format (`files.estimatedDurations`). A job whose idempotency key exists already
   * is not inserted: the existing job stands in its place. Returns one job per input, in input order. When a file
   * is missing, or not `files.owner`'s, nothing is inserted and UnknownFilesError names every such file.
   * PostgreSQL reads the files within the INSERT: a single enqueue is one statement, as graphile-worker's add_job.
   */
  insertJobs(jobs: NewJob[], files?: FilesOfNewJobs): Promise<JobRecord[]>;

  /**
   * The stored files among `ids` (missing ones are left out), restricted to `ownerId`'s files unless it is
   * undefined: the worker's lookup of a job's file, and the message of UnknownFilesError.
   */
  findFiles(ids: string[], ownerId: string | null | undefined): Promise<StoredFileRecord[]>;

  /**
   * The jobs among `ids` (missing ones left out), in no particular order: jobUpdated's read, once per event batch.
   * A prepared statement of its own: through Prisma it cost ~150-200 us of CPU per job, as much as the queue's
   * own claims and completions in the 200-subscriber burn-down.
   */
  findJobs(ids: string[]): Promise<JobRecord[]>;

  /**
   * The PROCESSING jobs whose lease expired by the database's clock, the longest expired first: stalled recovery's
   * list, run
   * by every worker-only process too (through Prisma it loaded the client and its query compiler into processes
   * that otherwise never use it: ~7 MB of a PostgreSQL worker's RSS).
   */
  findStalled(): Promise<JobRecord[]>;

  /**
   * Saves running jobs' progress, in one statement, where `workerId` holds them (a job taken from the worker is
   * left alone).
   */
  saveProgress(workerId: string, progress: readonly SavedProgress[]): Promise<void>;

  /**
   * Saves a running job's extraction while `workerId` holds it, before a step that may fail (analysis), so that a
   * retry resumes with it. A null `metadata` leaves the job's own.
   */
  saveExtraction(jobId: string, workerId: string, extraction: SavedExtraction): Promise<void>;

  /**
   * Deletes up to `limit` terminal jobs (COMPLETED, FAILED, CANCELLED) that finished before `before`, with their
   * attempt rows, in one transaction. Returns the file ids of the deleted jobs (repeated when jobs shared a file).
   */
  deleteFinishedJobs(before: Date, limit: number): Promise<string[]>;

  /**
   * Deletes the rows of the stored files among `fileIds` that no job refers to any more, and returns them (their
   * contents are the caller's to remove, after the rows: a file without a row is harmless, not the reverse).
   */
  deleteUnusedFiles(fileIds: string[]): Promise<{ id: string; storagePath: string }[]>;

  /**
   * How long until the next claimable job (PENDING or RETRYING) is due, by the database's clock (0 or less: due now),
   * or null when there is none: an idle worker sleeps that long. The database's clock, as the claim's: an instance
   * whose own clock is off would otherwise sleep past the job or wake before it.
   */
  msUntilNextDue(): Promise<number | null>;

  /** The database's time: what due times and leases are kept by, so what health is measured by too. */
  databaseTime(): Promise<Date>;

  /**
   * Atomically moves up to `limit` due jobs (PENDING or RETRYING with availableAt <= now) to PROCESSING under
   * `workerId`'s lease, highest priority first and oldest first within a priority, counting the attempt on the job
   * (attempt_count, started_at). No attempt row is written: a failed, cancelled or released attempt's row is written
   * closed when it settles (manual when the job was retried by hand; the flag is cleared then), a completed one has
   * none. No job is ever handed to two workers.
   * Returns the claimed jobs in claim order.
   */
  claim(workerId: string, limit: number, leaseMs: number): Promise<JobRecord[]>;

  /**
   * Commits many successful attempts in one transaction: each job still held by `workerId`, in the completion's attempt
   * (see Completion.attempt), becomes COMPLETED with its output. No attempt row is written: the completed attempt is
   * read from the job (attempt_count, started_at, completed_at, the manual flag, and lease_owner, which the completion
   * keeps as the worker that completed it; see attempt-on-job.ts). Returns the ids that were committed (a job
   * whose lease was lost meanwhile is left alone).
   */
  completeMany(workerId: string, completions: Completion[]): Promise<Set<string>>;

  /**
   * Extends `workerId`'s leases on `jobIds` to `leaseMs` from now. Jobs it no longer holds (recovered as stalled,
   * settled) are reported lost; held jobs whose cancel was requested are reported so the worker aborts them even
   * when it missed the cancel event.
   */
  renewLeases(workerId: string, jobIds: string[], leaseMs: number): Promise<LeaseRenewal>;

  /**
   * Settles many attempts other than by completing, in one statement (PostgreSQL) or one transaction (SQLite): each job
   * still held by its settlement's worker in its attempt (lease_owner, attempt_count, status PROCESSING, and with
   * `onlyExpiredLeases` a lease expired by the database's clock: stalled recovery must not take a job that just
   * renewed) becomes RETRYING, FAILED, CANCELLED or, INTERRUPTED, PENDING again (see the SET clauses of each provider),
   * its lease cleared, and its attempt row is written closed with the outcome, the error and the manual flag the job
   * had. A job whose cancel was requested ends CANCELLED (CANCELLED_WHILE_RUNNING) whatever it was settled as. Returns
   * the status each settled job ended in; jobs not held are absent and unchanged. A job appears once per call at most.
   */
  settleMany(settlements: Settlement[], onlyExpiredLeases?: boolean): Promise<Map<string, SettledStatus>>;
}

/** How an attempt ends other than COMPLETED. INTERRUPTED (shutdown) puts the job back to PENDING. */
export type SettleOutcome = 'RETRYING' | 'FAILED' | 'CANCELLED' | 'INTERRUPTED';
export type SettledStatus = 'RETRYING' | 'FAILED' | 'CANCELLED' | 'PENDING';

export interface SettlementError {
  code: string;
  /** Stored up to MAX_ERROR_MESSAGE characters. */
  message: string;
  recoverable: boolean;
}

export interface Settlement {
  jobId: string;
  /** The attempt settled (the job's attempt_count as its claim set it): see Completion.attempt. */
  attempt: number;
  /** The worker that must still hold the job. */
  workerId: string;
  outcome: SettleOutcome;
  /** The attempt's error; null for INTERRUPTED. */
  error: SettlementError | null;
  /**
   * RETRYING only: how long after the outcome is written the job is due again, by the database's clock, the one the
   * claim compares with. A due time from the deciding instance's clock would be off by its skew (a minute behind,
   * and a retry ran at once, backoff or not); from the commit, lastRetryAt and nextRetryAt are the backoff apart.
   */
  retryDelayMs: number | null;
}

/** The job's status after an outcome (the attempt keeps the outcome itself). */
export const settledStatus = (outcome: SettleOutcome): SettledStatus =>
  outcome === 'INTERRUPTED' ? 'PENDING' : outcome;

/** How a failure or release ends when the job's cancel was requested while it ran (the worker may have missed it). */
export const CANCELLED_WHILE_RUNNING: SettlementError = {
  code: 'CANCELLED',
  message: 'Cancelled while running',
  recoverable: false,
};

export const MAX_ERROR_MESSAGE = 4000;

export interface LeaseRenewal {
  /** Ids the worker no longer holds. */
  lost: string[];
  /** Ids still held whose cancel was requested. */
  cancelRequested: string[];
}

/** The renewal's outcome from the rows it updated (each with its cancel flag). */
export function leaseRenewal(
  jobIds: string[],
  renewed: { id: string; cancel_requested: boolean | number }[],
): LeaseRenewal {
  const held = new Set(renewed.map((row) => row.id));
  return {
    lost: jobIds.filter((id) => !held.has(id)),
    cancelRequested: renewed.filter((row) => Boolean(row.cancel_requested)).map((row) => row.id),
  };
}

export interface Completion {
  jobId: string;
  /**
   * The attempt completed (the job's attempt_count as its claim set it). The lease alone does not tell attempts
   * apart: a worker whose lease expired while its process was alive (a stalled event loop, a database out of reach)
   * may claim the recovered job again while its first attempt still runs, and that attempt's outcome must not end
   * the second one.
   */
  attempt: number;
  extractedText: string | null;
  /** JSON text, or null. */
  metadata: string | null;
  /** JSON text, or null. */
  result: string | null;
  bytesProcessed: bigint;
}

/** A running job's extraction, saved before its analysis (JSON as text, as in a Completion). */
export type SavedExtraction = Pick<Completion, 'extractedText' | 'metadata' | 'result'>;

/** A running job's progress as its row keeps it (what a processor reports, less what only events carry). */
export type SavedProgress = Pick<ProgressSnapshot, 'stage' | 'progress' | 'bytesProcessed'> & { jobId: string };

/**
 * The earliest availableAt among claimable jobs in `table` (the one holding the jobs' states): one index walk per
 * status, so no plan needs a sort.
 */
export const nextDueSql = (table: string) => `
SELECT min(due) AS due FROM (
  SELECT (SELECT available_at FROM ${table} WHERE status = 'PENDING' ORDER BY available_at LIMIT 1) AS due
  UNION ALL
  SELECT (SELECT available_at FROM ${table} WHERE status = 'RETRYING' ORDER BY available_at LIMIT 1)
) AS next_due`;

export const CLAIM_ORDER = 'priority DESC, created_at ASC, id ASC';

export function sortInClaimOrder(jobs: JobRecord[]): JobRecord[] {
  return jobs.sort(
    (a, b) =>
      b.priority - a.priority ||
      a.createdAt.getTime() - b.createdAt.getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** Attempt rows are keyed by job and number, so the statements that settle attempts write them without generating ids. */
export function attemptId(jobId: string, number: number): string {
  return `${jobId}:${number}`;
}

/** A job to insert; the insert copies its file's name, size and format, and their estimate (FilesOfNewJobs). */
export interface NewJob {
  id: string;
  fileId: string;
  priority: number;
  maxRetries: number;
  /** JSON text, or null. */
  options: string | null;
  runAt: Date | null;
  /** Null: at its runAt or its createdAt, whichever is later. */
  availableAt: Date | null;
  /** Unique among the inputs (the caller folds repeats). */
  idempotencyKey: string | null;
  userId: string | null;
  /**
   * Null: when it is inserted, by the database's clock (an enqueue's). PostgreSQL's now(), which the claim compares
   * due times with and ranks jobs of one priority by: instances whose clocks disagree still queue first come, first
   * served. Given: stored as given.
   */
  createdAt: Date | null;
  /** The W3C trace context of the span that enqueued it (common/tracing.ts); unset or null: none. */
  traceContext?: string | null;
}

/** Which stored files new jobs may use, and what a job of each format is expected to take. */
export interface FilesOfNewJobs {
  /** Only this owner's files (null: files with no owner); undefined: any file. The caller's ownerScope. */
  owner?: string | null;
  /** Milliseconds a job of the format is expected to run (DurationEstimates); a format left out: null. */
  estimatedDurations?: ReadonlyMap<string, number>;
}

/** The copy of a stored file that a new job keeps, and its estimate. */
export interface FileOfNewJob {
  fileName: string;
  fileSize: bigint;
  format: string;
  estimatedDuration: number | null;
}

/** Thrown by insertJobs, which inserted nothing: these files do not exist, or are not the owner's. */
export class UnknownFilesError extends Error {
  constructor(readonly fileIds: string[]) {
    super(`Unknown fileId: ${fileIds.join(', ')}`);
    this.name = 'UnknownFilesError';
  }
}

/** The jobs' distinct file ids, in input order. */
export const fileIdsOf = (jobs: NewJob[]): string[] => [...new Set(jobs.map((job) => job.fileId))];

/** UnknownFilesError for the file ids not among `found` (as fileIdsOf lists them); null when none is. */
export function unknownFilesOf(fileIds: string[], found: { has(fileId: string): boolean }): UnknownFilesError | null {
  const unknown = fileIds.filter((fileId) => !found.has(fileId));
  return unknown.length > 0 ? new UnknownFilesError(unknown) : null;
}

/** Puts each input's job (inserted, or the existing one with its idempotency key) in input order. */
export function inInputOrder(jobs: NewJob[], inserted: JobRecord[], existing: JobRecord[]): JobRecord[] {
  const byId = new Map(inserted.map((job) => [job.id, job]));
  const byKey = new Map(existing.map((job) => [job.idempotencyKey, job]));
  return jobs.map((job) => byId.get(job.id) ?? byKey.get(job.idempotencyKey)!);
}

import type { JobAttemptRecord, JobRecord } from '../common/job-record';

/**
 * What the API reads of jobs and the changes it makes to them by hand, outside the worker's path (QueueStore has
 * that): one job, a page of the listing, a count, the attempt history, a cancel or a retry asked for by a caller.
 * Each driver has one (QueueDriver.records), so that no feature knows how a job's state is stored: a provider
 * whose queue keeps the running state apart from the record (issue 14's "record written once") answers these from
 * where it keeps it, behind the same methods, and test/database/conformance/job-records.cases.ts holds it to them.
 */
export interface JobRecords {
  /** The job, if it exists and (unless `owner` is undefined) belongs to `owner` (null: to no one). */
  findJob(id: string, owner?: string | null): Promise<JobRecord | null>;

  /**
   * The attempts of each job in number order, the running one and the completing one included, whatever the number
   * of jobs in a fixed number of queries. Unknown ids map to no attempts.
   */
  attemptHistories(jobIds: string[]): Promise<Map<string, JobAttemptRecord[]>>;

  /** Up to `first` jobs matching `query`, newest first (createdAt, then id, descending), after `after` if given. */
  listJobs(query: JobQuery, first: number, after: ListPosition | null): Promise<JobPage>;

  /** The exact number of jobs matching `query`. */
  countJobs(query: JobQuery): Promise<number>;

  /**
   * PENDING or RETRYING to CANCELLED, ended now by the database's clock; false when the job was in neither status
   * (it was claimed meanwhile, say).
   */
  cancelQueuedJob(id: string): Promise<boolean>;

  /**
   * FAILED or CANCELLED back to PENDING, due now by the database's clock, with its error and progress cleared and
   * its next attempt marked as asked for by hand; false when the job was in neither status.
   */
  retryJobByHand(id: string): Promise<boolean>;

  /**
   * Records on a PROCESSING job that its cancel was asked for (the worker's lease renewal reports it, stalled
   * recovery honours it); false when the job is not PROCESSING.
   */
  requestCancel(id: string): Promise<boolean>;

  /**
   * The average actualDuration (ms, rounded) by format over the `sampleSize` most recently completed jobs; a format
   * none of them has is left out.
   */
  recentDurationAverages(sampleSize: number): Promise<Map<string, number>>;

  /**
   * Sets the given fields of a job as they are, whatever its state and whatever they say (its status included), and
   * returns the job as it then stands: for tests and tools that need a job in an exact state the queue's own
   * statements do not make (a lease that ran out an hour ago, another worker's lease), as River's drivers have
   * JobUpdateFull. Never on the product's path. Throws when the job does not exist.
   */
  overwriteJob(id: string, fields: JobOverwrite): Promise<JobRecord>;
}

/** The fields overwriteJob may set: any but the id; the JSON ones to a value (not null). */
export type JobOverwrite = Partial<Omit<JobRecord, 'id'>>;

/** The jobs a listing or a count is about; every condition given applies (an empty list matches no job). */
export interface JobQuery {
  /** Any of these statuses. */
  statuses?: readonly string[];
  /** Any of these formats, lower case as stored. */
  formats?: readonly string[];
  /** Any of these priority ranks (LOW 1, NORMAL 2, HIGH 3). */
  priorities?: readonly number[];
  /** Each of these owners (null: no owner). Two different owners match nothing. */
  owners?: readonly (string | null)[];
  /** Created at or after. */
  createdAfter?: Date;
  /** Created before. */
  createdBefore?: Date;
}

/** A job's place in the listing (its keyset cursor). */
export interface ListPosition {
  createdAt: Date;
  id: string;
}

export interface JobPage {
  jobs: JobRecord[];
  hasNextPage: boolean;
  /** Some job of the query comes before the first of the page (only asked when paging `after` a position). */
  hasPreviousPage: boolean;
}

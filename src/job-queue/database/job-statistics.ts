/**
 * The aggregates behind jobStats, queueHealth, the dashboard's chart and /metrics, behind each driver
 * (QueueDriver.statistics): how they are counted depends on where a job's state is kept, which only the driver knows.
 * `userId` restricts each to one owner's jobs (null: the jobs with no owner; undefined: all jobs). Every figure is
 * exact at the moment of its statement. The error codes that say a file was at fault are the caller's policy
 * (monitoring/input-errors.ts), handed in.
 */
export interface JobStatistics {
  /** Jobs by status, format and priority, from which every other total follows. */
  countsByStatusFormatPriority(userId: string | null | undefined): Promise<StatusFormatPriorityCount[]>;

  /**
   * The counts and the throughput figures of `now` in one statement, so one snapshot: they never contradict each
   * other.
   */
  jobFigures(now: Date, userId: string | null | undefined, inputErrorCodes: readonly string[]): Promise<JobFigures>;

  /** COMPLETED and FAILED jobs by the period of `bucketMs` (counted from `since`) in which they ended. */
  outcomesSince(since: Date, bucketMs: number, userId: string | null | undefined): Promise<OutcomeCount[]>;

  /** Failed attempts grouped by error code, most frequent first (then by code). */
  errorCounts(userId: string | null | undefined): Promise<ErrorCount[]>;

  /** FAILED jobs whose error code is one of `inputErrorCodes`. */
  countInputFailures(userId: string | null | undefined, inputErrorCodes: readonly string[]): Promise<number>;

  /** PROCESSING jobs whose lease expired before `now`. */
  countStalled(now: Date, userId: string | null | undefined): Promise<number>;

  /** When the longest-waiting due PENDING job became due (a job held back by runAt is not waiting); null: none. */
  oldestDuePendingSince(now: Date, userId: string | null | undefined): Promise<Date | null>;
}

export interface StatusFormatPriorityCount {
  status: string;
  format: string;
  priority: number;
  count: number;
}

/**
 * Jobs by status, format and priority; how many COMPLETED ones fall outside the 7-day throughput window; and the
 * completions of the last hour and 24 hours with their average processing and queue times.
 */
export interface JobFigures {
  counts: StatusFormatPriorityCount[];
  completedBeforeWeek: number;
  /** FAILED jobs whose error code says their input was at fault (the caller's `inputErrorCodes`). */
  inputFailed: number;
  lastHour: number;
  last24Hours: number;
  averageProcessingTimeMs: number | null;
  averageQueueTimeMs: number | null;
}

export interface ErrorCount {
  code: string;
  count: number;
  lastSeenAt: Date | null;
}

export interface OutcomeCount {
  /** Index of the period from the series' start. */
  bucket: number;
  status: string;
  count: number;
}

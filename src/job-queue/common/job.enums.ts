export enum JobStatus {
  PENDING = 'PENDING',
  PROCESSING = 'PROCESSING',
  RETRYING = 'RETRYING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

export const CLAIMABLE_STATUSES: readonly JobStatus[] = [JobStatus.PENDING, JobStatus.RETRYING];
export const TERMINAL_STATUSES: readonly JobStatus[] = [JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED];

export enum JobPriority {
  LOW = 'LOW',
  NORMAL = 'NORMAL',
  HIGH = 'HIGH',
}

/** Stored as integers so that `ORDER BY priority DESC` ranks HIGH > NORMAL > LOW. */
const PRIORITY_RANK: Record<JobPriority, number> = { LOW: 1, NORMAL: 2, HIGH: 3 };

export function priorityToRank(priority: JobPriority): number {
  return PRIORITY_RANK[priority];
}

export function rankToPriority(rank: number): JobPriority {
  if (rank >= PRIORITY_RANK.HIGH) return JobPriority.HIGH;
  if (rank <= PRIORITY_RANK.LOW) return JobPriority.LOW;
  return JobPriority.NORMAL;
}

export enum ProcessingStage {
  QUEUED = 'QUEUED',
  VALIDATING = 'VALIDATING',
  READING = 'READING',
  PARSING = 'PARSING',
  EXTRACTING = 'EXTRACTING',
  ANALYZING = 'ANALYZING',
  FINALIZING = 'FINALIZING',
  COMPLETED = 'COMPLETED',
}

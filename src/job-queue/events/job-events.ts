import type { JobStatus, ProcessingStage } from '../common/job.enums';

/**
 * Topics on the job event bus. Payloads stay small (ids, status, numbers): PostgreSQL NOTIFY carries
 * them across instances and limits a payload to 8000 bytes. Subscribers load anything bigger themselves.
 */
export const JobTopics = {
  /** A job became claimable: idle workers on every instance wake and claim. */
  wakeup: 'queue.wakeup',
  /** Jobs changed status (payload: JobsChangedMessage, batched so bulk changes send few messages). */
  jobChanged: 'job.changed',
  /** A running job's progress moved (payload: JobProgressEvent). */
  jobProgress: 'job.progress',
  /** Abort a running job wherever it runs (payload: CancelRequest). */
  cancelRequested: 'job.cancel-requested',
  /** A scheduled health check's result, for the queueHealthChanged subscription. */
  queueHealth: 'queue.health',
  /** Which optional topics an instance listens to (payload: InterestMessage; see EventInterest). */
  interest: 'events.interest',
} as const;

/**
 * Topics published only while someone listens to them somewhere (see EventInterest): progress, and status changes
 * (listened to by jobUpdated and jobProgress subscribers and a cancel awaiting its worker). The others carry the
 * queue's own coordination (wake-ups, cancels) or are rare, and always go out. Status changes went out for every
 * claim and completion, two per job: a PostgreSQL burn-down no one watched spent ~25 % of its worker CPU packing,
 * sending, receiving and dropping them (1,133 -> 857 ms per 20,000 jobs).
 */
export const OPTIONAL_TOPICS: ReadonlySet<string> = new Set([JobTopics.jobProgress, JobTopics.jobChanged]);

export interface CancelRequest {
  jobId: string;
}

export interface JobChangedEvent {
  jobId: string;
  status: JobStatus;
  format: string;
  priority: number;
  userId: string | null;
  /** ISO-8601, for createdAfter/createdBefore filters. */
  createdAt: string;
}

export interface WakeupMessage {
  /** The publishing instance, whose own workers were woken directly (see LocalJobEvents.wakeWorkers). */
  origin?: string;
}

export interface JobsChangedMessage {
  changes: JobChangedEvent[];
}

export interface JobProgressEvent {
  jobId: string;
  status: JobStatus;
  stage: ProcessingStage;
  progress: number;
  bytesProcessed: number | null;
  totalBytes: number | null;
  message: string | null;
  at: string;
}

/**
 * The well-formed changes of a job.changed payload. Payloads come from any instance (older versions included) and
 * from anyone allowed to NOTIFY on the channel, so nothing about their shape is taken on trust.
 */
export function changesIn(message: unknown): JobChangedEvent[] {
  const changes = (message as Partial<JobsChangedMessage> | null | undefined)?.changes;
  if (!Array.isArray(changes)) return [];
  return changes.filter(
    (change): change is JobChangedEvent =>
      typeof change === 'object' &&
      change !== null &&
      typeof change.jobId === 'string' &&
      typeof change.status === 'string',
  );
}

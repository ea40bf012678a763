/** The shapes of the documents' results (documents.ts), as the dashboard reads them. */
export type JobStatus = 'PENDING' | 'PROCESSING' | 'RETRYING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export type JobPriority = 'HIGH' | 'NORMAL' | 'LOW';

export const STATUSES: JobStatus[] = ['PENDING', 'PROCESSING', 'RETRYING', 'COMPLETED', 'FAILED', 'CANCELLED'];
export const PRIORITIES: JobPriority[] = ['HIGH', 'NORMAL', 'LOW'];
export const ENDED: JobStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

export interface JobSummary {
  id: string;
  fileName: string;
  format: string;
  priority: JobPriority;
  status: JobStatus;
  stage: string;
  progress: number;
  fileSize: number;
  bytesProcessed: number | null;
  createdAt: string;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface JobAttempt {
  number: number;
  outcome: string | null;
  manual: boolean;
  startedAt: string;
  finishedAt: string | null;
  workerId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface JobDetail extends JobSummary {
  fileId: string;
  userId: string | null;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
  runAt: string | null;
  lastRetryAt: string | null;
  nextRetryAt: string | null;
  retryCount: number;
  maxRetries: number;
  estimatedDuration: number | null;
  actualDuration: number | null;
  errorRecoverable: boolean;
  options: unknown;
  result: unknown;
  metadata: unknown;
  extractedText: string | null;
  attempts: JobAttempt[];
}

export interface QueueHealth {
  status: 'HEALTHY' | 'DEGRADED' | 'UNHEALTHY';
  issues: string[];
  stalledCount: number;
  oldestPendingAgeMs: number | null;
  checkedAt: string;
}

export interface JobStats {
  total: number;
  byStatus: { status: JobStatus; count: number }[];
  successRate: number | null;
  systemSuccessRate: number | null;
  averageProcessingTimeMs: number | null;
  averageQueueTimeMs: number | null;
  throughput: { lastHour: number; last24Hours: number; last7Days: number };
  errors: { code: string; count: number; lastSeenAt: string | null }[];
}

export interface OutcomeBucket {
  start: string;
  completed: number;
  failed: number;
}

export interface ProgressUpdate {
  at: string;
  status: JobStatus;
  stage: string;
  progress: number;
  bytesProcessed: number | null;
  totalBytes: number | null;
  message: string | null;
}

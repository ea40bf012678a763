export { JobQueueModule, type JobQueueModuleAsyncOptions, type JobQueueModuleShape } from './job-queue.module';
// Everything of the `worker` entry point: JobQueueWorkerModule and what processors are written with.
export * from './worker';
export { PublicErrorCode } from './common/public-error';
export type { RetryPolicy } from './retry/retry-policy';
export { ANONYMOUS_ADMIN } from './common/caller';
export { MAX_UNREAD_JOB_UPDATES } from './jobs/job-updates.service';
export { AccessErrorCode, AccessException } from './common/access.exception';
export { authenticateConnections } from './common/connection-callers';
export {
  shareSubscriptions,
  type SharedSubscriptionsOptions,
  type SubscribeFunction,
  type SubscribeResult,
} from './common/shared-subscriptions';
export { JobsService } from './jobs/jobs.service';
export { EnqueueJobInput } from './jobs/dto/enqueue-job.input';
export { JobFilterInput } from './jobs/dto/job-filter.input';
export type { JobPage } from './jobs/jobs.repository';
export { FileStorageService } from './files/file-storage.service';
export { ProgressService } from './progress/progress.service';
export type { ProgressListener, ProgressChange } from './progress/progress.service';
export type { ProgressUpdate } from './progress/progress-update';
export { MonitoringService } from './monitoring/monitoring.service';
export { StatsService } from './monitoring/stats.service';
export { HealthService } from './monitoring/health.service';
export { HealthStatus, QueueHealth } from './monitoring/models/queue-health.model';
export {
  ErrorStat,
  FormatCount,
  JobStats,
  PriorityCount,
  StatusCount,
  Throughput,
} from './monitoring/models/job-stats.model';
export { LocalTextAnalyzer } from './processors/analysis/local-text-analyzer';

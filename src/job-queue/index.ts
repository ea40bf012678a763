export { JobQueueModule, type JobQueueModuleAsyncOptions, type JobQueueModuleShape } from './job-queue.module';
// Also the `worker` entry point's, which loads nothing else of the API (see job-queue-worker.module.ts).
export { JobQueueWorkerModule, type JobQueueWorkerModuleAsyncOptions } from './job-queue-worker.module';
export type { JobQueueModuleOptions } from './job-queue.options';
export type { RetrySettings } from './job-queue-options.schema';
export { PublicErrorCode } from './common/public-error';
export type { RetryPolicy } from './retry/retry-policy';
export type { Caller } from './common/caller';
export { ANONYMOUS_ADMIN } from './common/caller';
export { MAX_UNREAD_JOB_UPDATES } from './jobs/job-updates.service';
export type { CallerContext, ResolveCaller, WsConnection } from './common/caller-context';
export { AccessErrorCode, AccessException } from './common/access.exception';
export { authenticateConnections } from './common/connection-callers';
export {
  shareSubscriptions,
  type SharedSubscriptionsOptions,
  type SubscribeFunction,
  type SubscribeResult,
} from './common/shared-subscriptions';
export { JobPriority, JobStatus, ProcessingStage } from './common/job.enums';
export type { JobRecord, JobAttemptRecord, StoredFileRecord } from './common/job-record';
export { FileProcessor, type FileProcessorMetadata } from './processor-contract/file-processor.decorator';
export type {
  FileProcessorHandler,
  ProcessingContext,
  ProcessingOutput,
} from './processor-contract/file-processor.interface';
export type { ProgressReporter, ProgressSnapshot } from './processor-contract/progress-reporter';
export { ProcessingError, RecoverableError, NonRecoverableError, ProcessingErrorCode } from './retry/processing-error';
export { JobsService } from './jobs/jobs.service';
export { EnqueueJobInput } from './jobs/dto/enqueue-job.input';
export { JobFilterInput } from './jobs/dto/job-filter.input';
export type { JobPage } from './jobs/jobs.repository';
export { FileStorageService } from './files/file-storage.service';
export { WorkerPoolService } from './workers/worker-pool.service';
export { ProgressService } from './progress/progress.service';
export type { ProgressListener, ProgressChange } from './progress/progress.service';
export type { ProgressUpdate } from './progress/progress-update';
export { ReportStandardStages, withStandardStages } from './progress/standard-stages';
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
export type { HealthThresholds } from './job-queue.options';
export { LocalJobEvents, type JobSettled, type SettledOutcome, type StageFinished } from './events/local-job-events';
export type { TextAnalyzer } from './processor-contract/text-analyzer';
export { LocalTextAnalyzer } from './processors/analysis/local-text-analyzer';
export { malformed, invalidFile, confirmSignature, readHead } from './processors/processor-kit';

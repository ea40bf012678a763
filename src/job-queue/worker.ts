/**
 * The worker-only entry point: JobQueueWorkerModule and what processors are written with. Nothing exported here
 * loads GraphQL or HTTP code (test/e2e/worker-only.e2e-spec.ts checks the modules a process loads from it); the
 * package's main entry (./index) exports the whole queue.
 */
export { JobQueueWorkerModule, type JobQueueWorkerModuleAsyncOptions } from './job-queue-worker.module';
export type { HealthThresholds, JobQueueModuleOptions } from './job-queue.options';
export type { RetrySettings } from './job-queue-options.schema';
export type { CallerContext, ResolveCaller, WsConnection } from './common/caller-context';
export type { Caller } from './common/caller';
export { JobPriority, JobStatus, ProcessingStage } from './common/job.enums';
export type { JobRecord, JobAttemptRecord, StoredFileRecord } from './common/job-record';
export { FileProcessor, type FileProcessorMetadata } from './processor-contract/file-processor.decorator';
export type {
  FileProcessorHandler,
  ProcessingContext,
  ProcessingOutput,
} from './processor-contract/file-processor.interface';
export type { ProgressReporter, ProgressSnapshot } from './processor-contract/progress-reporter';
export type { TextAnalyzer } from './processor-contract/text-analyzer';
export { ProcessingError, RecoverableError, NonRecoverableError, ProcessingErrorCode } from './retry/processing-error';
export { ReportStandardStages, withStandardStages } from './progress/standard-stages';
export { WorkerPoolService } from './workers/worker-pool.service';
export { StalledJobsService } from './monitoring/stalled-jobs.service';
export { LocalJobEvents, type JobSettled, type SettledOutcome, type StageFinished } from './events/local-job-events';
export { malformed, invalidFile, confirmSignature, readHead } from './processors/processor-kit';

import { Inject, Injectable, Logger, type LoggerService, type LogLevel } from '@nestjs/common';
import type { JobRecord } from '../common/job-record';
import { JobStatus, ProcessingStage } from '../common/job.enums';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import { LocalJobEvents } from '../events/local-job-events';
import { FileStorageService } from '../files/file-storage.service';
import type { ProgressReporter } from '../processor-contract/progress-reporter';
import { ProgressTrackerService } from '../progress/progress-tracker.service';
import {
  NonRecoverableError,
  ProcessingError,
  ProcessingErrorCode,
  RecoverableError,
  toProcessingError,
} from '../retry/processing-error';
import { attemptTimeoutMs } from '../retry/job-options';
import { RetryService } from '../retry/retry.service';
import { capExtractedText } from './extracted-text-cap';
import type { ProcessingOutput } from '../processor-contract/file-processor.interface';
import type { TextAnalyzer } from '../processor-contract/text-analyzer';
import { LocalTextAnalyzer } from '../processors/analysis/local-text-analyzer';
import { FileProcessorRegistry } from './file-processor.registry';
import { CompletionBatcher } from './completion-batcher';
import { JobOutcomesRepository } from './job-outcomes.repository';
import { jobLogFields, JobTelemetry } from './job-telemetry';
import type { Lease } from './lease';
import { type AttemptAbort, JobAbort } from './attempt-abort';
import { AttemptContext } from './attempt-context';

/** Runs one claimed attempt: picks the processor, streams the file, reports progress, commits the outcome. */
@Injectable()
export class JobRunner {
  private readonly logger = new Logger(JobRunner.name);
  /** The module's analyzer; unset, the local one that ships with the processors; null, none. */
  private readonly analyzer: TextAnalyzer | null;

  constructor(
    private readonly registry: FileProcessorRegistry,
    private readonly storage: FileStorageService,
    private readonly progress: ProgressTrackerService,
    private readonly outcomes: JobOutcomesRepository,
    private readonly completions: CompletionBatcher,
    private readonly retry: RetryService,
    private readonly local: LocalJobEvents,
    @Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions,
  ) {
    this.analyzer = options.analyzer === undefined ? new LocalTextAnalyzer() : options.analyzer;
  }

  /**
   * Runs the attempt to its committed outcome. `processed` is called once, when the processor's work is over and
   * only the outcome (completion or failure) is left to commit: the pool then gives the job's slot to another.
   */
  run(job: JobRecord, workerId: string, abort: AttemptAbort, lease: Lease, processed: () => void): Promise<void> {
    const telemetry = new JobTelemetry(job, workerId, this.local);
    return telemetry.activate(() => this.attempt(job, workerId, abort, lease, telemetry, processed));
  }

  private async attempt(
    job: JobRecord,
    workerId: string,
    abort: AttemptAbort,
    lease: Lease,
    telemetry: JobTelemetry,
    processed: () => void,
  ): Promise<void> {
    if (debugLogged(this.logger)) this.logger.debug({ msg: 'Job started', ...jobLogFields(job, workerId) });
    const timeoutMs = attemptTimeoutMs(job.options, this.options.jobTimeoutMs);
    const timer = timeoutMs
      ? setTimeout(
          () => abort.abort(new JobAbort('timeout', `Attempt exceeded its timeout of ${timeoutMs} ms`)),
          timeoutMs,
        )
      : null;
    const tracked = this.progress.track(job, workerId, telemetry.enter);
    const { reporter } = tracked;
    try {
      const extracted = resumedExtraction(job) ?? (await abort.race(this.process(job, abort, reporter)));
      // Awaited only when there is something to wait for: each await of an async call was ~0.3 KB of garbage a job.
      const analyzing = this.analyze(job, workerId, extracted, abort, reporter);
      const output = analyzing ? await analyzing : extracted;
      reporter.stage(ProcessingStage.FINALIZING);
      const flushing = tracked.flush();
      if (flushing) await flushing;
      processed();
      const held = (await this.completions.complete(job, workerId, output, lease)) === true;
      telemetry.committed(held ? JobStatus.COMPLETED : null);
      this.logOutcome(job, workerId, held ? JobStatus.COMPLETED : null);
    } catch (thrown) {
      tracked.stop();
      processed();
      await this.settleFailure(job, workerId, thrown, abort, lease, telemetry);
    } finally {
      if (timer) clearTimeout(timer);
      tracked.stop();
      abort.ended();
    }
  }

  private async process(job: JobRecord, abort: AttemptAbort, reporter: ProgressReporter): Promise<ProcessingOutput> {
    const processor = this.registry.get(job.format);
    if (!processor) {
      throw new NonRecoverableError(
        ProcessingErrorCode.UNSUPPORTED_FORMAT,
        `No processor handles format "${job.format}"`,
      );
    }
    reporter.stage(ProcessingStage.VALIDATING);
    const filePath = await this.storage.pathOfFile(job.fileId);
    if (!filePath)
      throw new NonRecoverableError(ProcessingErrorCode.FILE_NOT_FOUND, `Stored file ${job.fileId} no longer exists`);
    abort.throwIfAborted(); // given up on while the file was looked up: the processor must not start at all
    const output = await processor.handler.process(new AttemptContext(job, filePath, reporter, abort));
    return capExtractedText(output, this.options.maxExtractedTextBytes);
  }

  /**
   * Adds `result.analysis`; null when there is nothing to analyze (no analyzer, or no text). When the analyzer fails,
   * the extraction is saved and the attempt fails recoverably.
   */
  private analyze(
    job: JobRecord,
    workerId: string,
    output: ProcessingOutput,
    abort: AttemptAbort,
    reporter: ProgressReporter,
  ): Promise<ProcessingOutput> | null {
    const analyzer = this.analyzer;
    const text = output.extractedText;
    if (!analyzer || !text) return null;
    reporter.stage(ProcessingStage.ANALYZING);
    // Called in a `then`, so that an analyzer that throws rather than rejects fails the analysis the same way.
    const analysis = Promise.resolve().then(() => analyzer.analyze({ text, job, signal: abort.signal }));
    return abort.race(analysis).then(
      (result) => ({ ...output, result: { ...output.result, analysis: result } }),
      (error: unknown) => this.analysisFailed(job, workerId, output, abort, error),
    );
  }

  private async analysisFailed(
    job: JobRecord,
    workerId: string,
    output: ProcessingOutput,
    abort: AttemptAbort,
    error: unknown,
  ): Promise<never> {
    if (abort.reason) throw error;
    await this.outcomes.checkpointExtraction(job, workerId, output);
    throw new RecoverableError(ProcessingErrorCode.ANALYSIS_FAILED, `Analysis failed: ${(error as Error).message}`, {
      cause: error,
    });
  }

  private async settleFailure(
    job: JobRecord,
    workerId: string,
    thrown: unknown,
    abort: AttemptAbort,
    lease: Lease,
    telemetry: JobTelemetry,
  ): Promise<void> {
    const reason: unknown = abort.reason ?? thrown;
    // On shutdown the pool releases the job; a lost job belongs to whoever took it: nothing to write either way.
    if (reason instanceof JobAbort && (reason.kind === 'shutdown' || reason.kind === 'lost')) {
      telemetry.abandoned(reason.kind);
      this.logger.log({ msg: `Job left unfinished: ${reason.message}`, ...jobLogFields(job, workerId) });
      return;
    }
    try {
      if (reason instanceof JobAbort && reason.kind === 'cancelled') {
        const cancelled = new ProcessingError(ProcessingErrorCode.CANCELLED, reason.message, false);
        const held = await this.outcomes.cancelled(job, workerId, cancelled, lease); // reported by the outcome's batch
        telemetry.committed(held ? JobStatus.CANCELLED : null);
        this.logOutcome(job, workerId, held ? JobStatus.CANCELLED : null, cancelled);
        return;
      }
      const error =
        reason instanceof JobAbort
          ? new RecoverableError(ProcessingErrorCode.TIMEOUT, reason.message)
          : toProcessingError(reason);
      const decision = this.retry.decide(job, error.recoverable);
      telemetry.retryDecision(error.code, error.recoverable, decision.retry ? decision.delayMs : null);
      const retryDelayMs = decision.retry ? decision.delayMs : null;
      // Reported (published, workers woken for a retry) by the outcome's batch.
      const outcome = await this.outcomes.fail(job, workerId, error, retryDelayMs, lease);
      telemetry.committed(outcome, error);
      this.logOutcome(job, workerId, outcome, error, retryDelayMs);
    } catch (commitError) {
      telemetry.abandoned('commit failed', commitError);
      throw commitError;
    }
  }

  /**
   * One line per attempt's end, with the job's fields: completions at debug (a burn-down ends thousands a second),
   * retries at log, the rest (failed, cancelled, lost) at warn.
   */
  private logOutcome(
    job: JobRecord,
    workerId: string,
    outcome: JobStatus | null,
    error?: ProcessingError,
    retryDelayMs?: number | null,
  ): void {
    if (outcome === JobStatus.COMPLETED && !debugLogged(this.logger)) return;
    const fields = {
      ...jobLogFields(job, workerId),
      outcome: outcome ?? 'LOST',
      durationMs: job.startedAt ? Date.now() - job.startedAt.getTime() : undefined,
      errorCode: error?.code,
      error: error?.message,
    };
    if (outcome === JobStatus.COMPLETED) this.logger.debug({ msg: 'Job completed', ...fields });
    else if (outcome === JobStatus.RETRYING)
      this.logger.log({ msg: `Job will be retried in ${retryDelayMs} ms`, ...fields });
    else if (outcome === null) this.logger.warn({ msg: 'Job outcome not committed: no longer held', ...fields });
    else this.logger.warn({ msg: `Job ended ${outcome}: ${error?.code}: ${error?.message}`, ...fields });
  }
}

/** The extraction an earlier attempt saved before its analysis failed, if any. */
function resumedExtraction(job: JobRecord): ProcessingOutput | null {
  const saved = job.result as Record<string, unknown> | null;
  if (saved?.analysisPending !== true) return null; // without a copy of every job's result to find out
  const { analysisPending: _pending, ...result } = saved;
  return {
    extractedText: job.extractedText,
    metadata: (job.metadata ?? undefined) as Record<string, unknown> | undefined,
    result,
  };
}

/**
 * Whether debug lines reach the logger. A no-op burn-down completes thousands of jobs a second: building their two
 * debug lines' fields and passing them through Nest's Logger cost ~7 µs a job (a CPU profile of 20,000 on SQLite:
 * ~150 of ~3,200 ms) for lines the levels then drop. Nest's ConsoleLogger says whether a level is on; another logger
 * (pino, winston) is given every line and filters by its own level; with `logger: false` there is none at all.
 */
function debugLogged(logger: Logger): boolean {
  const target = logger.localInstance as (LoggerService & { isLevelEnabled?(level: LogLevel): boolean }) | undefined;
  if (!target) return false; // the app logs nothing (`logger: false`)
  return target.isLevelEnabled?.('debug') ?? true;
}

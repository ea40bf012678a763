import { createReadStream } from 'node:fs';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { asError } from '../common/as-error';
import type { JobRecord } from '../common/job-record';
import { JobStatus, ProcessingStage } from '../common/job.enums';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
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
import type { Lease } from './lease';

/** Why a running job's signal was aborted. */
export class JobAbort extends Error {
  constructor(
    readonly kind: 'cancelled' | 'timeout' | 'shutdown' | 'lost',
    message: string,
  ) {
    super(message);
    this.name = 'JobAbort';
  }
}

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
    @Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions,
  ) {
    this.analyzer = options.analyzer === undefined ? new LocalTextAnalyzer() : options.analyzer;
  }

  async run(job: JobRecord, workerId: string, abort: AbortController, lease: Lease): Promise<void> {
    const timeoutMs = attemptTimeoutMs(job.options, this.options.jobTimeoutMs);
    const timer = timeoutMs
      ? setTimeout(
          () => abort.abort(new JobAbort('timeout', `Attempt exceeded its timeout of ${timeoutMs} ms`)),
          timeoutMs,
        )
      : null;
    const tracked = this.progress.track(job, workerId);
    try {
      const extracted =
        resumedExtraction(job) ??
        (await this.untilAborted(this.process(job, abort.signal, tracked.reporter), abort.signal));
      const output = await this.analyze(job, workerId, extracted, abort.signal, tracked.reporter);
      tracked.reporter.stage(ProcessingStage.FINALIZING);
      await tracked.flush();
      await this.completions.complete(job, workerId, output, lease);
    } catch (thrown) {
      tracked.stop();
      await this.settleFailure(job, workerId, thrown, abort.signal, lease);
    } finally {
      if (timer) clearTimeout(timer);
      tracked.stop();
    }
  }

  private async process(job: JobRecord, signal: AbortSignal, reporter: ProgressReporter): Promise<ProcessingOutput> {
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
    signal.throwIfAborted(); // given up on while the file was looked up: the processor must not start at all
    const output = await processor.handler.process({
      job,
      filePath,
      openStream: (range) => createReadStream(filePath, { ...range, signal, highWaterMark: 256 * 1024 }),
      signal,
      progress: reporter,
    });
    return capExtractedText(output, this.options.maxExtractedTextBytes);
  }

  /** Adds `result.analysis`; when the analyzer fails the extraction is saved and the attempt fails recoverably. */
  private async analyze(
    job: JobRecord,
    workerId: string,
    output: ProcessingOutput,
    signal: AbortSignal,
    reporter: ProgressReporter,
  ): Promise<ProcessingOutput> {
    const analyzer = this.analyzer;
    if (!analyzer || !output.extractedText) return output;
    reporter.stage(ProcessingStage.ANALYZING);
    try {
      const analysis = await this.untilAborted(analyzer.analyze({ text: output.extractedText, job, signal }), signal);
      return { ...output, result: { ...output.result, analysis } };
    } catch (error) {
      if (signal.aborted) throw error;
      await this.outcomes.checkpointExtraction(job, workerId, output);
      throw new RecoverableError(ProcessingErrorCode.ANALYSIS_FAILED, `Analysis failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Resolves with the processor's result unless the signal aborts first: a late result is discarded. */
  private untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(asError(signal.reason));
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(asError(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private async settleFailure(
    job: JobRecord,
    workerId: string,
    thrown: unknown,
    signal: AbortSignal,
    lease: Lease,
  ): Promise<void> {
    const reason: unknown = signal.aborted ? signal.reason : thrown;
    // On shutdown the pool releases the job; a lost job belongs to whoever took it: nothing to write either way.
    if (reason instanceof JobAbort && (reason.kind === 'shutdown' || reason.kind === 'lost')) return;
    if (reason instanceof JobAbort && reason.kind === 'cancelled') {
      const cancelled = new ProcessingError(ProcessingErrorCode.CANCELLED, reason.message, false);
      await this.outcomes.cancelled(job, workerId, cancelled, lease); // reported by the outcome's batch
      return;
    }
    const error =
      reason instanceof JobAbort
        ? new RecoverableError(ProcessingErrorCode.TIMEOUT, reason.message)
        : toProcessingError(reason);
    const decision = this.retry.decide(job, error.recoverable);
    const retryAt = decision.retry ? new Date(Date.now() + decision.delayMs) : null;
    // Reported (published, workers woken for a retry) by the outcome's batch.
    const outcome = await this.outcomes.fail(job, workerId, error, retryAt, lease);
    if (outcome && outcome !== JobStatus.RETRYING)
      this.logger.warn(`Job ${job.id} ended ${outcome}: ${error.code}: ${error.message}`);
  }
}

/** The extraction an earlier attempt saved before its analysis failed, if any. */
function resumedExtraction(job: JobRecord): ProcessingOutput | null {
  const { analysisPending, ...result } = (job.result ?? {}) as Record<string, unknown>;
  if (analysisPending !== true) return null;
  return {
    extractedText: job.extractedText,
    metadata: (job.metadata ?? undefined) as Record<string, unknown> | undefined,
    result,
  };
}

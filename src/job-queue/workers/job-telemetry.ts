import { type Attributes, context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { JobRecord } from '../common/job-record';
import type { ProcessingStage } from '../common/job.enums';
import { linksTo, messagingAttributes, queueTracer, recordError } from '../common/tracing';
import type { LocalJobEvents } from '../events/local-job-events';

/** Every worker of every instance takes from the one queue: one consumer group. */
const MESSAGING_CONSUMER_GROUP = 'workers';

/** The structured fields of every log line about a job's attempt (nestjs-pino merges them into the JSON line). */
export function jobLogFields(job: JobRecord, workerId: string): Record<string, unknown> {
  return { jobId: job.id, attempt: job.attemptCount, workerId, format: job.format };
}

/**
 * What one attempt tells the outside: a `job.process` span (CONSUMER), linked to the span that enqueued the job,
 * with an event per stage, the retry decision and the committed outcome; and the time spent in each stage, for
 * the stage histogram. Without an SDK the span is the API's no-op: nothing is built for it (attributes and
 * events only while it records, the context switched only then).
 */
export class JobTelemetry {
  private readonly span: Span;
  private stage: ProcessingStage | null = null;
  private stageStartedAt = 0;
  private ended = false;

  constructor(
    private readonly job: JobRecord,
    workerId: string,
    private readonly local: LocalJobEvents,
  ) {
    this.span = queueTracer.startSpan('job.process', { kind: SpanKind.CONSUMER, links: linksTo(job.traceContext) });
    if (this.span.isRecording()) {
      this.span.setAttributes({
        ...messagingAttributes('process'),
        'messaging.message.id': job.id,
        'messaging.consumer.group.name': MESSAGING_CONSUMER_GROUP,
        'file_jobs.job.id': job.id,
        'file_jobs.format': job.format,
        'file_jobs.attempt': job.attemptCount,
        'file_jobs.worker.id': workerId,
      });
    }
  }

  /** Runs the attempt with its span active (only when it records), so that spans started inside are its children. */
  activate<T>(work: () => Promise<T>): Promise<T> {
    return this.span.isRecording() ? context.with(trace.setSpan(context.active(), this.span), work) : work();
  }

  /** A failed attempt's retry decision: retried after `delayMs`, or not (null). */
  retryDecision(errorCode: string, recoverable: boolean, delayMs: number | null): void {
    if (!this.span.isRecording()) return;
    const attributes: Attributes = { 'error.type': errorCode, 'file_jobs.error.recoverable': recoverable };
    attributes['file_jobs.retry'] = delayMs !== null;
    if (delayMs !== null) attributes['file_jobs.retry.delay_ms'] = delayMs;
    this.span.addEvent('job.retry_decision', attributes);
  }

  /**
   * The outcome as committed (after the batch that carries it committed), or null when the worker no longer held
   * the job; ends the span and the last stage. `error` marks the span failed.
   */
  committed(outcome: string | null, error?: unknown): void {
    if (this.ended) return;
    this.finishStage(Date.now());
    if (this.span.isRecording()) {
      if (error !== undefined) recordError(this.span, error);
      else if (outcome === null) this.span.setStatus({ code: SpanStatusCode.ERROR, message: 'lease lost' });
      this.span.addEvent('job.outcome_committed', { 'file_jobs.outcome': outcome ?? 'LOST' });
      this.span.setAttribute('file_jobs.outcome', outcome ?? 'LOST');
    }
    this.ended = true;
    this.span.end();
  }

  /** Ends the span without an outcome of this worker's (shutdown, a lost job, a commit that failed). */
  abandoned(reason: string, error?: unknown): void {
    if (this.ended) return;
    this.finishStage(Date.now());
    if (this.span.isRecording()) {
      this.span.addEvent('job.abandoned', { 'file_jobs.reason': reason });
      if (error !== undefined) recordError(this.span, error);
    }
    this.ended = true;
    this.span.end();
  }

  /** A stage entered (ProgressTrackerService.track's `onStage`): timed, and marked on the span. */
  readonly enter = (stage: ProcessingStage): void => {
    const now = Date.now();
    this.finishStage(now);
    this.stage = stage;
    this.stageStartedAt = now;
    if (this.span.isRecording()) this.span.addEvent(`stage ${stage}`, { 'file_jobs.stage': stage });
  };

  private finishStage(now: number): void {
    if (this.stage === null) return;
    this.local.stageFinished(this.job.format, this.stage, (now - this.stageStartedAt) / 1000);
    this.stage = null;
  }
}

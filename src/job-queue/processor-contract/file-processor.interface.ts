import type { Readable } from 'node:stream';
import type { JobRecord } from '../common/job-record';
import type { ProgressReporter } from './progress-reporter';

export interface ProcessingContext {
  job: Readonly<JobRecord>;
  /** Absolute path of the stored file, for libraries that need random access. */
  filePath: string;
  /** Opens a fresh read stream of the file (progress of bytes is reported by the processor). */
  openStream(options?: { start?: number; end?: number }): Readable;
  /** Aborted when the job is cancelled, times out or the instance shuts down; stop promptly. */
  signal: AbortSignal;
  progress: ProgressReporter;
}

export interface ProcessingOutput {
  extractedText?: string | null;
  metadata?: Record<string, unknown>;
  result?: Record<string, unknown>;
}

/** A provider marked with @FileProcessor(...formats) implements this. */
export interface FileProcessorHandler {
  process(context: ProcessingContext): Promise<ProcessingOutput>;
}

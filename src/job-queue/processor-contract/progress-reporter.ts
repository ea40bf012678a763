import type { ProcessingStage } from '../common/job.enums';

export interface ProgressSnapshot {
  stage: ProcessingStage;
  progress: number;
  bytesProcessed: number;
  totalBytes: number;
  message: string | null;
}

/** What a processor reports through; the tracker decides when it reaches the database and subscribers. */
export interface ProgressReporter {
  /** Enter a stage (stages only move forward; an earlier one is ignored). */
  stage(stage: ProcessingStage, message?: string): void;
  /** Bytes of the file handled so far (moves progress within the current stage). */
  bytes(processed: number): void;
  snapshot(): ProgressSnapshot;
}

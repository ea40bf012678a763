import { ProcessingStage } from '../common/job.enums';
import { stagePercent } from './stage-progress';

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

export type ProgressSink = (snapshot: ProgressSnapshot, stageChanged: boolean) => void;

const STAGES = Object.values(ProcessingStage);

/** Keeps one attempt's progress monotonic and hands every change to a sink. */
export class MonotonicProgressReporter implements ProgressReporter {
  private current: ProgressSnapshot;

  constructor(
    totalBytes: number,
    private readonly sink: ProgressSink,
  ) {
    this.current = { stage: ProcessingStage.QUEUED, progress: 0, bytesProcessed: 0, totalBytes, message: null };
  }

  stage(stage: ProcessingStage, message?: string): void {
    if (STAGES.indexOf(stage) <= STAGES.indexOf(this.current.stage)) return;
    const progress = Math.max(this.current.progress, stagePercent(stage, 0));
    this.current = { ...this.current, stage, progress, message: message ?? null };
    this.sink(this.current, true);
  }

  bytes(processed: number): void {
    const bytesProcessed = Math.max(this.current.bytesProcessed, Math.min(processed, this.current.totalBytes));
    if (bytesProcessed === this.current.bytesProcessed) return;
    const fraction = this.current.totalBytes > 0 ? bytesProcessed / this.current.totalBytes : 1;
    const progress = Math.max(this.current.progress, stagePercent(this.current.stage, fraction));
    this.current = { ...this.current, bytesProcessed, progress };
    this.sink(this.current, false);
  }

  snapshot(): ProgressSnapshot {
    return this.current;
  }
}

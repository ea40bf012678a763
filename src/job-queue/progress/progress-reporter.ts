import { ProcessingStage } from '../common/job.enums';
import type { ProgressReporter, ProgressSnapshot } from '../processor-contract/progress-reporter';
import { stagePercent } from './stage-progress';

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

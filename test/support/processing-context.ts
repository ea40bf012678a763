import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JobRecord, ProcessingContext, ProgressReporter } from '../../src/job-queue';
import { ProcessingStage } from '../../src/job-queue';
import type { ProgressSnapshot } from '../../src/job-queue/processor-contract/progress-reporter';

/** A ProgressReporter that keeps every call, for processors run outside the queue. */
export class RecordingProgress implements ProgressReporter {
  readonly stages: ProcessingStage[] = [];
  readonly bytesReported: number[] = [];

  constructor(private readonly totalBytes: number) {}

  stage(stage: ProcessingStage): void {
    this.stages.push(stage);
  }

  bytes(processed: number): void {
    this.bytesReported.push(processed);
  }

  snapshot(): ProgressSnapshot {
    return {
      stage: this.stages[this.stages.length - 1] ?? ProcessingStage.QUEUED,
      progress: 0,
      bytesProcessed: Math.max(0, ...this.bytesReported),
      totalBytes: this.totalBytes,
      message: null,
    };
  }
}

/** Real files in a temporary directory, each with the ProcessingContext a worker would hand a processor. */
export class ProcessorFiles {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'file-jobs-processor-'));
  private count = 0;

  /** Writes `content` to a file named `name` and builds its context (job, read streams, signal, recording progress). */
  context(name: string, content: string | Buffer): { context: ProcessingContext; progress: RecordingProgress } {
    const filePath = path.join(this.dir, `${++this.count}-${name}`);
    writeFileSync(filePath, content);
    const size = Buffer.byteLength(content);
    const progress = new RecordingProgress(size);
    const job = {
      id: `job-${this.count}`,
      fileId: `file-${this.count}`,
      fileName: name,
      fileSize: BigInt(size),
      format: path.extname(name).slice(1),
    } as Partial<JobRecord> as JobRecord;
    const context: ProcessingContext = {
      job,
      filePath,
      openStream: (range) => createReadStream(filePath, range),
      signal: new AbortController().signal,
      progress,
    };
    return { context, progress };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

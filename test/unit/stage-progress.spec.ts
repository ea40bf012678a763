import { ProcessingStage } from '../../src/job-queue/common/job.enums';
import type { ProgressSnapshot } from '../../src/job-queue/processor-contract/progress-reporter';
import { MonotonicProgressReporter } from '../../src/job-queue/progress/progress-reporter';
import { stagePercent } from '../../src/job-queue/progress/stage-progress';

const { QUEUED, VALIDATING, READING, PARSING, EXTRACTING, ANALYZING, FINALIZING, COMPLETED } = ProcessingStage;

describe('stage percentages', () => {
  it('starts each stage at the percentage the README documents', () => {
    const starts = Object.values(ProcessingStage).map((stage) => [stage, stagePercent(stage, 0)]);
    expect(starts).toEqual([
      [QUEUED, 0],
      [VALIDATING, 2],
      [READING, 5],
      [PARSING, 40],
      [EXTRACTING, 60],
      [ANALYZING, 85],
      [FINALIZING, 95],
      [COMPLETED, 100],
    ]);
  });

  it("moves within a stage's span by the fraction done, rounding down", () => {
    expect(stagePercent(READING, 0.5)).toBe(22); // 5 + 35 × 0.5 = 22.5
    expect(stagePercent(READING, 0.999)).toBe(39); // never the next stage's start
    expect(stagePercent(READING, 1)).toBe(40);
    expect(stagePercent(EXTRACTING, 0.25)).toBe(66); // 60 + 25 × 0.25 = 66.25
  });

  it('clamps the fraction to 0–1', () => {
    expect(stagePercent(PARSING, -3)).toBe(40);
    expect(stagePercent(PARSING, 7)).toBe(60);
  });

  it('reaches 100 only at COMPLETED: FINALIZING done is 99', () => {
    expect(stagePercent(FINALIZING, 1)).toBe(99);
    expect(stagePercent(COMPLETED, 0)).toBe(100);
  });
});

describe('MonotonicProgressReporter', () => {
  const reporter = (totalBytes: number) => {
    const seen: [ProgressSnapshot, boolean][] = [];
    return {
      seen,
      reporter: new MonotonicProgressReporter(totalBytes, (snapshot, stageChanged) =>
        seen.push([snapshot, stageChanged]),
      ),
    };
  };

  it('moves stages forward only, and progress never back', () => {
    const { reporter: progress, seen } = reporter(1000);
    progress.stage(READING);
    progress.bytes(500);
    progress.stage(VALIDATING); // earlier: ignored
    progress.stage(READING); // the same: ignored
    progress.bytes(400); // fewer bytes than before: ignored
    progress.stage(EXTRACTING, 'pages');
    expect(
      seen.map(([snapshot, stageChanged]) => [
        snapshot.stage,
        snapshot.progress,
        snapshot.bytesProcessed,
        snapshot.message,
        stageChanged,
      ]),
    ).toEqual([
      [READING, 5, 0, null, true],
      [READING, 22, 500, null, false],
      [EXTRACTING, 60, 500, 'pages', true],
    ]);
  });

  it('caps bytes at the file size and keeps progress when a later stage starts below it', () => {
    const { reporter: progress, seen } = reporter(100);
    progress.stage(READING);
    progress.bytes(250);
    expect(progress.snapshot()).toMatchObject({ stage: READING, bytesProcessed: 100, progress: 40 });
    progress.stage(PARSING);
    progress.bytes(100); // no new bytes: nothing sent
    expect(seen).toHaveLength(3);
    expect(progress.snapshot()).toMatchObject({ stage: PARSING, progress: 40 });
  });
});

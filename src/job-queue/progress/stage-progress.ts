import { ProcessingStage } from '../common/job.enums';

/** Where each stage starts on the 0–100 scale; bytes read move progress within the current stage's span. */
const STAGE_START: Record<ProcessingStage, number> = {
  [ProcessingStage.QUEUED]: 0,
  [ProcessingStage.VALIDATING]: 2,
  [ProcessingStage.READING]: 5,
  [ProcessingStage.PARSING]: 40,
  [ProcessingStage.EXTRACTING]: 60,
  [ProcessingStage.ANALYZING]: 85,
  [ProcessingStage.FINALIZING]: 95,
  [ProcessingStage.COMPLETED]: 100,
};

const STAGE_ORDER = Object.values(ProcessingStage);

/** Percentage for `fraction` (0–1) of the way through `stage`; COMPLETED alone reaches 100. */
export function stagePercent(stage: ProcessingStage, fraction: number): number {
  if (stage === ProcessingStage.COMPLETED) return 100;
  const next = STAGE_ORDER[STAGE_ORDER.indexOf(stage) + 1];
  const start = STAGE_START[stage];
  const span = STAGE_START[next] - start;
  const clamped = Math.min(Math.max(fraction, 0), 1);
  return Math.min(99, Math.floor(start + span * clamped));
}

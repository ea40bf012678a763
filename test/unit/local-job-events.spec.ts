import { LocalJobEvents, type StageFinished } from '../../src/job-queue/events/local-job-events';
import { ProcessingStage } from '../../src/job-queue/common/job.enums';
import type { JobRecord } from '../../src/job-queue/common/job-record';
import { JobTelemetry } from '../../src/job-queue/workers/job-telemetry';

const job = { id: 'c0job', attemptCount: 1, format: 'txt', traceContext: null } as unknown as JobRecord;

/** An attempt through three stages to its outcome, as the runner drives its telemetry. */
function runAttempt(local: LocalJobEvents): void {
  const telemetry = new JobTelemetry(job, 'worker-1', local);
  telemetry.enter(ProcessingStage.VALIDATING);
  telemetry.enter(ProcessingStage.READING);
  telemetry.enter(ProcessingStage.FINALIZING);
  telemetry.committed('COMPLETED');
}

describe('LocalJobEvents', () => {
  it('hands each finished stage to its listeners while they listen', () => {
    const local = new LocalJobEvents();
    runAttempt(local); // no listener yet: nothing to hand over, and no error

    const stages: StageFinished[] = [];
    const stop = local.onStageFinished((event) => stages.push(event));
    runAttempt(local);
    expect(stages.map(({ format, stage }) => [format, stage])).toEqual([
      ['txt', ProcessingStage.VALIDATING],
      ['txt', ProcessingStage.READING],
      ['txt', ProcessingStage.FINALIZING],
    ]);
    expect(stages.every(({ seconds }) => seconds >= 0 && seconds < 1)).toBe(true);

    stop();
    runAttempt(local);
    expect(stages).toHaveLength(3);
  });

  it('calls listeners in the order they were added; one removed during a call leaves that call whole', () => {
    const local = new LocalJobEvents();
    const calls: string[] = [];
    const stopFirst = local.onWakeWorkers(() => {
      calls.push('first');
      stopSecond();
    });
    const stopSecond = local.onWakeWorkers(() => calls.push('second'));
    local.onWakeWorkers(() => calls.push('third'));
    local.wakeWorkers();
    expect(calls).toEqual(['first', 'second', 'third']);
    calls.length = 0;
    stopFirst();
    stopFirst(); // twice: nothing more to remove
    local.wakeWorkers();
    expect(calls).toEqual(['third']);
  });
});

/**
 * What the queue's telemetry costs a job when no OpenTelemetry SDK is registered: the job.process span (the API's
 * no-op), the stage timing, five stage changes with their histogram events, the committed outcome, and the
 * trace-context lookup of an enqueue. Prints nanoseconds per job, beside the per-job budget of the burn-down.
 *
 *   npx ts-node -T bench/telemetry-overhead.ts
 */
import { trace } from '@opentelemetry/api';
import { ProcessingStage } from '../src/job-queue/common/job.enums';
import type { JobRecord } from '../src/job-queue/common/job-record';
import { traceContextOf } from '../src/job-queue/common/tracing';
import { LocalJobEvents } from '../src/job-queue/events/local-job-events';
import { MonotonicProgressReporter } from '../src/job-queue/progress/progress-reporter';
import { JobTelemetry } from '../src/job-queue/workers/job-telemetry';

const STAGES = [
  ProcessingStage.VALIDATING,
  ProcessingStage.READING,
  ProcessingStage.EXTRACTING,
  ProcessingStage.ANALYZING,
  ProcessingStage.FINALIZING,
];
const job = { id: 'c0job', attemptCount: 1, format: 'txt', traceContext: null } as unknown as JobRecord;
const local = new LocalJobEvents();
local.onStageFinished(() => undefined); // as MetricsService listens

function oneJob(telemetry: boolean): void {
  if (!telemetry) {
    const reporter = new MonotonicProgressReporter(100, () => undefined);
    for (const stage of STAGES) reporter.stage(stage);
    return;
  }
  const attempt = new JobTelemetry(job, 'worker', local);
  // As ProgressTrackerService.track hands each entered stage to the attempt's telemetry.
  const reporter = new MonotonicProgressReporter(100, (snapshot, stageChanged) => {
    if (stageChanged) attempt.enter(snapshot.stage);
  });
  for (const stage of STAGES) reporter.stage(stage);
  attempt.committed('COMPLETED');
  traceContextOf(trace.getTracer('bench').startSpan('job.enqueue'));
}

function nsPerJob(telemetry: boolean, jobs: number): number {
  const started = process.hrtime.bigint();
  for (let index = 0; index < jobs; index++) oneJob(telemetry);
  return Number(process.hrtime.bigint() - started) / jobs;
}

for (let round = 0; round < 3; round++) {
  nsPerJob(true, 200_000); // warm-up
  nsPerJob(false, 200_000);
}
const rounds = Array.from({ length: 5 }, () => nsPerJob(true, 500_000) - nsPerJob(false, 500_000)).sort(
  (a, b) => a - b,
);
console.log(
  `telemetry without an SDK: ${rounds.map((ns) => ns.toFixed(0)).join(', ')} ns per job (median ${rounds[2].toFixed(0)} ns)`,
);

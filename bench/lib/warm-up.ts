/**
 * A worker process's CPU in a burn-down, split where V8 has warmed to it. Every system's worker spends far more on its
 * first few thousand jobs than on the same number later (code run in the interpreter, then compiled, and the heap
 * grown): on 7 December (Intel Xeon) ours 320-400 ms for its first 5,000 no-op jobs and ~20-25 ms a 1,000 after them,
 * graphile-worker 255-315 ms and ~17-20. A process pays that once, so a 2-instance burn-down of 20,000 pays it twice
 * for the same jobs; the two figures below tell the start apart from the cost a job that a longer run converges to.
 */

/** Jobs after which a worker process counts as warm (its CPU by thousands of jobs flattens by the 5,000th). */
export const WARM_AFTER_JOBS = 5_000;
/** A worker process reads its CPU at every MARK_EVERY_JOBS-th job it starts (bench/worker-child.ts). */
export const MARK_EVERY_JOBS = 1_000;
/** "the first 5,000", as the table's rows name the split. */
export const WARM_AFTER_TEXT = WARM_AFTER_JOBS.toLocaleString('en-US');

export interface WarmUpSplit {
  /** CPU (ms) of a process from go to its WARM_AFTER_JOBS-th job, the mean over the processes. */
  firstJobsMs: number;
  /** CPU (µs) a job after that, all processes together: their CPU from that job to their last whole thousand. */
  laterUsPerJob: number;
}

/**
 * `cpuAtThousands[process][k]`: the process's CPU (ms) since go when its (k + 1) × MARK_EVERY_JOBS-th job started.
 * Null when a process ran too few jobs to tell: fewer than WARM_AFTER_JOBS + MARK_EVERY_JOBS (a --quick run, or one
 * instance idle).
 */
export function splitWarmUp(cpuAtThousands: number[][]): WarmUpSplit | null {
  const warmIndex = WARM_AFTER_JOBS / MARK_EVERY_JOBS - 1;
  if (cpuAtThousands.length === 0 || cpuAtThousands.some((marks) => marks.length < warmIndex + 2)) return null;
  let laterMs = 0;
  let laterJobs = 0;
  for (const marks of cpuAtThousands) {
    laterMs += marks[marks.length - 1] - marks[warmIndex];
    laterJobs += (marks.length - 1 - warmIndex) * MARK_EVERY_JOBS;
  }
  const firstJobsMs = cpuAtThousands.reduce((sum, marks) => sum + marks[warmIndex], 0) / cpuAtThousands.length;
  return { firstJobsMs, laterUsPerJob: (laterMs * 1000) / laterJobs };
}

/**
 * The bench splits a worker's CPU at its 5,000th job (bench/lib/warm-up.ts): what a process pays once, and what a job
 * costs once it is warm. The marks are two burn-downs of ours on PostgreSQL (7 December, Intel Xeon): each process's
 * CPU since go (ms) at every 1,000th job it started.
 */
import { splitWarmUp, WARM_AFTER_JOBS } from '../../bench/lib/warm-up';

const ONE_INSTANCE = [
  71, 151, 196, 284, 318, 339, 359, 386, 414, 436, 459, 477, 496, 514, 531, 560, 575, 593, 631, 645,
];
const TWO_INSTANCES = [
  [77, 151, 199, 322, 358, 383, 407, 432, 460, 477],
  [90, 179, 239, 336, 398, 422, 445, 472, 502],
];

it('splits one process at its 5,000th job', () => {
  const split = splitWarmUp([ONE_INSTANCE])!;
  expect(WARM_AFTER_JOBS).toBe(5_000);
  expect(split.firstJobsMs).toBe(318);
  expect(split.laterUsPerJob).toBeCloseTo(((645 - 318) * 1000) / 15_000, 10); // 21.8 µs, where the whole run reads 32.3
});

it('averages the start over the processes and pools their later jobs', () => {
  const split = splitWarmUp(TWO_INSTANCES)!;
  expect(split.firstJobsMs).toBe((358 + 398) / 2);
  // 5,000 jobs after the first's 5,000th, 4,000 after the second's (it ran 9,000 and some).
  expect(split.laterUsPerJob).toBeCloseTo(((477 - 358 + (502 - 398)) * 1000) / 9_000, 10); // 24.8 µs
});

it('tells nothing when a process ran too few jobs to be warm for a 1,000 more', () => {
  expect(splitWarmUp([ONE_INSTANCE.slice(0, 5)])).toBeNull();
  expect(splitWarmUp([ONE_INSTANCE, ONE_INSTANCE.slice(0, 5)])).toBeNull();
  expect(splitWarmUp([ONE_INSTANCE.slice(0, 6)])).toEqual({ firstJobsMs: 318, laterUsPerJob: 21 });
  expect(splitWarmUp([])).toBeNull();
});

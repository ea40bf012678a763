import { retrySettingsSchema } from '../job-queue-options.schema';
import { checkAgainst, shownValue } from '../option-problems';
import { partialOf } from '../option-schema';
import type { RetryPolicy } from './retry-policy';

/** A job's own `options.retry`: the global settings' limits, every key optional and without a default. */
const jobRetrySchema = partialOf(retrySettingsSchema);

/** The keys of a job's `options` that the queue itself reads; processors may read any others. */
export interface JobOptions {
  /** Abort an attempt after this many milliseconds (fails with TIMEOUT, recoverable). */
  timeoutMs?: number;
  /** Backoff of this job's automatic retries, on top of the global policy. */
  retry?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
}

/** What is wrong with the queue's keys in a job's options (empty when nothing is). */
export function jobOptionsProblems(options: Record<string, unknown> | null | undefined): string[] {
  if (!options) return [];
  const problems: string[] = [];
  const { timeoutMs } = options;
  if (
    timeoutMs !== undefined &&
    !(Number.isInteger(timeoutMs) && (timeoutMs as number) >= 1 && (timeoutMs as number) <= 86_400_000)
  ) {
    problems.push('options.timeoutMs must be a whole number of milliseconds from 1 to 86400000');
  }
  if (options.retry === undefined) return problems;
  // The limits of the global retry settings (the module's options) hold for a job's own.
  const checked = checkAgainst(jobRetrySchema, options.retry, {
    name: (path) => ['options.retry', ...path].join('.'),
    shown: (path) => shownValue(options.retry, path),
  });
  problems.push(...checked.problems);
  return problems;
}

/** The attempt timeout of a job: its own options.timeoutMs, else the global default, else none. */
export function attemptTimeoutMs(options: unknown, globalTimeoutMs: number | null): number | null {
  const own = (options as JobOptions | null)?.timeoutMs;
  return typeof own === 'number' && own > 0 ? own : globalTimeoutMs;
}

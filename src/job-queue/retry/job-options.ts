import type { RetryPolicy } from './retry-policy';

/** The keys of a job's `options` that the queue itself reads; processors may read any others. */
export interface JobOptions {
  /** Abort an attempt after this many milliseconds (fails with TIMEOUT, recoverable). */
  timeoutMs?: number;
  /** Backoff of this job's automatic retries, on top of the global policy. */
  retry?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
}

const RETRY_LIMITS: Record<keyof NonNullable<JobOptions['retry']>, { min: number; max: number }> = {
  initialDelayMs: { min: 0, max: 86_400_000 },
  maxDelayMs: { min: 0, max: 86_400_000 },
  backoffMultiplier: { min: 1, max: 100 },
  jitterFactor: { min: 0, max: 1 },
};

function inRange(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}

/** What is wrong with the queue's keys in a job's options (empty when nothing is). */
export function jobOptionsProblems(options: Record<string, unknown> | null | undefined): string[] {
  if (!options) return [];
  const problems: string[] = [];
  if (options.timeoutMs !== undefined && !(Number.isInteger(options.timeoutMs) && inRange(options.timeoutMs, 1, 86_400_000))) {
    problems.push('options.timeoutMs must be a whole number of milliseconds from 1 to 86400000');
  }
  const retry = options.retry;
  if (retry === undefined) return problems;
  if (!retry || typeof retry !== 'object' || Array.isArray(retry)) return [...problems, 'options.retry must be an object'];
  for (const [key, value] of Object.entries(retry)) {
    const limits = RETRY_LIMITS[key as keyof typeof RETRY_LIMITS];
    if (!limits) problems.push(`options.retry.${key} is not a retry setting (${Object.keys(RETRY_LIMITS).join(', ')})`);
    else if (!inRange(value, limits.min, limits.max)) {
      problems.push(`options.retry.${key} must be a number from ${limits.min} to ${limits.max}`);
    }
  }
  return problems;
}

/** The attempt timeout of a job: its own options.timeoutMs, else the global default, else none. */
export function attemptTimeoutMs(options: unknown, globalTimeoutMs: number | null): number | null {
  const own = (options as JobOptions | null)?.timeoutMs;
  return typeof own === 'number' && own > 0 ? own : globalTimeoutMs;
}

import { jobQueueOptionsSchema, retrySettingsSchema } from '../job-queue-options.schema';

/** How a job's failed attempts are retried. Global defaults, overridable per job through `options.retry`. */
export interface RetryPolicy {
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  backoffMultiplier: number;
  /** Fraction of the delay added or removed at random: 0.1 spreads a 1 s delay over 0.9–1.1 s. */
  jitterFactor: number;
}

/** The defaults of the module's options (retry settings, defaultMaxRetries). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  ...retrySettingsSchema.valueFrom({}),
  maxRetries: jobQueueOptionsSchema.shape.defaultMaxRetries.valueFrom(undefined),
};

/** A source of numbers in [0, 1); injected so tests can pin the jitter. */
export type RandomSource = () => number;

/**
 * delay = min(initialDelay × multiplier^retryCount, maxDelay), then ± jitterFactor of that delay.
 * `retryCount` is the number of retries already made (0 before the first retry).
 */
export function retryDelayMs(policy: RetryPolicy, retryCount: number, random: RandomSource = Math.random): number {
  const base = Math.min(policy.initialDelayMs * policy.backoffMultiplier ** retryCount, policy.maxDelayMs);
  const jitter = base * policy.jitterFactor * (random() * 2 - 1);
  return Math.max(0, Math.round(base + jitter));
}

/** The seed's rule: a failure is retried when it is recoverable and retries are left. */
export function shouldRetry(recoverable: boolean, retryCount: number, maxRetries: number): boolean {
  return recoverable && retryCount < maxRetries;
}

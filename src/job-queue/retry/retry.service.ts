import { Inject, Injectable } from '@nestjs/common';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import type { JobOptions } from './job-options';
import { DEFAULT_RETRY_POLICY, type RandomSource, retryDelayMs, type RetryPolicy, shouldRetry } from './retry-policy';

export type FailureDecision = { retry: true; delayMs: number } | { retry: false };

export const RETRY_RANDOM_SOURCE = Symbol('RETRY_RANDOM_SOURCE');

/** Decides what a failed attempt leads to, from the global policy and the job's `options.retry`. */
@Injectable()
export class RetryService {
  private readonly defaults: RetryPolicy;

  constructor(
    @Inject(JOB_QUEUE_OPTIONS) options: ResolvedJobQueueOptions,
    @Inject(RETRY_RANDOM_SOURCE) private readonly random: RandomSource,
  ) {
    this.defaults = { ...DEFAULT_RETRY_POLICY, ...options.retry, maxRetries: options.defaultMaxRetries };
  }

  /** The global policy with the job's `options.retry` (checked at enqueue by jobOptionsProblems) on top. */
  policyFor(jobOptions: unknown): RetryPolicy {
    const override = (jobOptions as JobOptions | null)?.retry;
    return override ? { ...this.defaults, ...override } : this.defaults;
  }

  decide(job: { options: unknown; retryCount: number; maxRetries: number }, recoverable: boolean): FailureDecision {
    if (!shouldRetry(recoverable, job.retryCount, job.maxRetries)) return { retry: false };
    return { retry: true, delayMs: retryDelayMs(this.policyFor(job.options), job.retryCount, this.random) };
  }
}

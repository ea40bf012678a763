import { DEFAULT_RETRY_POLICY, retryDelayMs, shouldRetry } from '../../src/job-queue/retry/retry-policy';
import { attemptTimeoutMs, jobOptionsProblems } from '../../src/job-queue/retry/job-options';

const noJitter = { ...DEFAULT_RETRY_POLICY, jitterFactor: 0 };
const middle = () => 0.5; // random() * 2 - 1 === 0: no jitter either way

describe('retry delay', () => {
  it('doubles from 1 s without jitter: 1000, 2000, 4000, 8000, 16000, 32000, then the 60 s cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7, 20].map((retryCount) => retryDelayMs(noJitter, retryCount, Math.random));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });

  it('uses the defaults of the seed: 1 s initial, ×2, 60 s max, ±10 %, 3 retries', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({
      maxRetries: 3,
      initialDelayMs: 1000,
      maxDelayMs: 60000,
      backoffMultiplier: 2,
      jitterFactor: 0.1,
    });
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 2, middle)).toBe(4000);
  });

  it('keeps jitter within ±jitterFactor of the delay at both extremes of the random source', () => {
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 0, () => 0)).toBe(900);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 0, () => 0.999999)).toBe(1100);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, () => 0)).toBe(1800);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, () => 0.999999)).toBe(2200);
  });

  it('applies jitter to the capped delay, so the cap holds within jitter', () => {
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 10, () => 0)).toBe(54000);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 10, () => 0.999999)).toBe(66000);
  });

  it('follows a custom policy', () => {
    const policy = {
      ...DEFAULT_RETRY_POLICY,
      initialDelayMs: 100,
      backoffMultiplier: 3,
      maxDelayMs: 1000,
      jitterFactor: 0,
    };
    expect([0, 1, 2, 3].map((n) => retryDelayMs(policy, n))).toEqual([100, 300, 900, 1000]);
  });
});

describe('retry eligibility', () => {
  it('retries only recoverable failures with retries left', () => {
    expect(shouldRetry(true, 0, 3)).toBe(true);
    expect(shouldRetry(true, 2, 3)).toBe(true);
    expect(shouldRetry(true, 3, 3)).toBe(false);
    expect(shouldRetry(false, 0, 3)).toBe(false);
    expect(shouldRetry(true, 0, 0)).toBe(false);
  });
});

describe('job options the queue reads', () => {
  it('accepts valid timeout and retry settings and names every problem', () => {
    expect(jobOptionsProblems({ timeoutMs: 500, retry: { initialDelayMs: 10, jitterFactor: 0 }, other: 'x' })).toEqual(
      [],
    );
    expect(jobOptionsProblems({ timeoutMs: -1, retry: { initialDelayMs: 'soon', delay: 5, jitterFactor: 2 } })).toEqual(
      [
        'options.timeoutMs must be a whole number of milliseconds from 1 to 86400000',
        'options.retry.initialDelayMs must be a whole number from 0 to 86400000, got "soon"',
        'options.retry.jitterFactor must be a number from 0 to 1, got 2',
        'options.retry.delay is not an option here (known: initialDelayMs, maxDelayMs, backoffMultiplier, jitterFactor)',
      ],
    );
    expect(jobOptionsProblems({ retry: [1] })).toEqual(['options.retry must be an object, got [1]']);
  });

  it("takes the job's own timeout before the global one", () => {
    expect(attemptTimeoutMs({ timeoutMs: 250 }, 1000)).toBe(250);
    expect(attemptTimeoutMs({}, 1000)).toBe(1000);
    expect(attemptTimeoutMs(null, null)).toBeNull();
  });
});

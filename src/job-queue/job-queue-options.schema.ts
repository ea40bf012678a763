import {
  booleanOption,
  customOption,
  numberOption,
  objectOption,
  type OptionSchema,
  stringOption,
} from './option-schema';
import type { ResolveCaller } from './common/caller-context';
import type { TextAnalyzer } from './processor-contract/text-analyzer';

/**
 * The one statement of the queue's options: type, default and limits of each. forRoot, forRootAsync and the
 * standalone server's environment (each option's variable is in ENVIRONMENT_VARIABLES) are all checked here, so an
 * option given in code cannot slip past what the same value from the environment would have been refused for
 * (`pollIntervalMs: 0` spun the claim loop).
 */

const MAX = Number.MAX_SAFE_INTEGER;
const DAY_MS = 86_400_000;
const whole = (min: number, max = MAX) => numberOption(min, max, true);
const fraction = () => numberOption(0, 1, false);

/** The global backoff settings (RetryPolicy without maxRetries, which is defaultMaxRetries). */
export interface RetrySettings {
  initialDelayMs: number;
  maxDelayMs: number;
  backoffMultiplier: number;
  /** Fraction of the delay added or removed at random: 0.1 spreads a 1 s delay over 0.9–1.1 s. */
  jitterFactor: number;
}

/**
 * Backoff of automatic retries; the same limits hold for a job's own `options.retry`. Typed with RetrySettings, which
 * the public API names: a field the schema lacks or gives another type does not compile.
 */
export const retrySettingsSchema: OptionSchema<RetrySettings> & {
  shape: Record<keyof RetrySettings, OptionSchema<unknown>>;
} = objectOption({
  initialDelayMs: whole(0, DAY_MS).default(1_000),
  maxDelayMs: whole(0, DAY_MS).default(60_000),
  backoffMultiplier: numberOption(1, 100, false).default(2),
  /** Fraction of the delay added or removed at random: 0.1 spreads a 1 s delay over 0.9–1.1 s. */
  jitterFactor: fraction().default(0.1),
});

export const healthThresholdsSchema = objectOption({
  successRateDegraded: fraction().default(0.9),
  successRateUnhealthy: fraction().default(0.7),
  stalledDegraded: whole(0).default(0),
  stalledUnhealthy: whole(0).default(5),
  pendingDegraded: whole(0).default(100),
  oldestPendingDegradedMs: whole(0).default(600_000),
});

const isFunction = (value: unknown) => typeof value === 'function';

export const jobQueueOptionsSchema = objectOption({
  databaseUrl: stringOption({
    test: /^(postgres(ql)?:\/\/|file:)/,
    message: 'must start with postgresql://, postgres:// or file:',
  }).optional(),
  storageDir: stringOption().default('./data/files'),
  maxUploadBytes: whole(1).default(1024 ** 3),
  uploadIdleTimeoutMs: whole(100, 3_600_000).default(30_000),
  workersEnabled: booleanOption().default(true),
  workerConcurrency: whole(1, 256).default(4),
  shutdownTimeoutMs: whole(0).default(30_000),
  pollIntervalMs: whole(10).default(5_000),
  // Leases are renewed every third of this, at most every 250 ms: shorter makes no lease that renewals can keep.
  stalledJobThresholdMs: whole(500).default(300_000),
  defaultMaxRetries: whole(0, 100).default(3),
  // A partial object gets the defaults of the keys it leaves out.
  retry: retrySettingsSchema.default({}),
  jobTimeoutMs: whole(1, DAY_MS).nullable().default(null),
  maxExtractedTextBytes: whole(0).default(1024 ** 2),
  maxParserHeapMb: whole(32, 65_536).default(1024),
  analyzer: customOption<TextAnalyzer | null>(
    (value) => value === null || (typeof value === 'object' && isFunction((value as { analyze?: unknown }).analyze)),
    'must be null or an object with an analyze(input) method',
  ).optional(),
  builtInProcessors: booleanOption().default(true),
  healthCheckIntervalMs: whole(100).default(60_000),
  jobRetentionHours: whole(1).default(168),
  healthThresholds: healthThresholdsSchema.default({}),
  httpEndpoints: booleanOption().default(true),
  dashboard: booleanOption().default(true),
  explorer: booleanOption().default(true),
  migrateOnStart: booleanOption().default(true),
  resolveCaller: customOption<ResolveCaller>(
    isFunction,
    'must be a function (request or connection) => caller',
  ).optional(),
});

/** The environment variable of each option the standalone server reads, by the option's path. */
export const ENVIRONMENT_VARIABLES = {
  databaseUrl: 'DATABASE_URL',
  storageDir: 'STORAGE_DIR',
  maxUploadBytes: 'MAX_UPLOAD_BYTES',
  uploadIdleTimeoutMs: 'UPLOAD_IDLE_TIMEOUT_MS',
  workersEnabled: 'WORKERS_ENABLED',
  workerConcurrency: 'WORKER_CONCURRENCY',
  shutdownTimeoutMs: 'SHUTDOWN_TIMEOUT_MS',
  pollIntervalMs: 'POLL_INTERVAL_MS',
  stalledJobThresholdMs: 'STALLED_JOB_THRESHOLD_MS',
  defaultMaxRetries: 'MAX_RETRIES',
  'retry.initialDelayMs': 'RETRY_INITIAL_DELAY_MS',
  'retry.maxDelayMs': 'RETRY_MAX_DELAY_MS',
  'retry.backoffMultiplier': 'RETRY_BACKOFF_MULTIPLIER',
  'retry.jitterFactor': 'RETRY_JITTER_FACTOR',
  jobTimeoutMs: 'JOB_TIMEOUT_MS',
  maxExtractedTextBytes: 'MAX_EXTRACTED_TEXT_BYTES',
  maxParserHeapMb: 'MAX_PARSER_HEAP_MB',
  healthCheckIntervalMs: 'HEALTH_CHECK_INTERVAL_MS',
  jobRetentionHours: 'JOB_RETENTION_HOURS',
  'healthThresholds.successRateDegraded': 'HEALTH_SUCCESS_RATE_DEGRADED',
  'healthThresholds.successRateUnhealthy': 'HEALTH_SUCCESS_RATE_UNHEALTHY',
  'healthThresholds.stalledDegraded': 'HEALTH_STALLED_DEGRADED',
  'healthThresholds.stalledUnhealthy': 'HEALTH_STALLED_UNHEALTHY',
  'healthThresholds.pendingDegraded': 'HEALTH_PENDING_DEGRADED',
  'healthThresholds.oldestPendingDegradedMs': 'HEALTH_OLDEST_PENDING_DEGRADED_MS',
  dashboard: 'DASHBOARD_ENABLED',
  explorer: 'EXPLORER_ENABLED',
} as const;

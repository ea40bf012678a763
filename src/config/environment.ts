import type { JobQueueModuleOptions } from '../job-queue';

export interface AppConfig {
  port: number;
  production: boolean;
  /** Stack traces in GraphQL errors (GRAPHQL_DEBUG); off unless asked for, whatever NODE_ENV says. */
  graphqlDebug?: boolean;
  jobQueue: JobQueueModuleOptions;
}

type Env = Record<string, string | undefined>;

/** Reads and checks the environment; every problem is reported at once, naming the variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!/^\s*\d+\s*$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const decimal = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      problems.push(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const boolean = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got "${env[name]}"`);
    return fallback;
  };
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^(postgres(ql)?:\/\/|file:)/.test(databaseUrl)) {
    problems.push(`DATABASE_URL must start with postgresql://, postgres:// or file:, got "${databaseUrl}"`);
  }
  const config: AppConfig = {
    port: integer('PORT', 3000, 0, 65535),
    production: env.NODE_ENV === 'production',
    // Unset: off (undefined, like the other optional settings).
    graphqlDebug: env.GRAPHQL_DEBUG?.trim() ? boolean('GRAPHQL_DEBUG', false) : undefined,
    jobQueue: {
      databaseUrl,
      storageDir: env.STORAGE_DIR?.trim() || undefined,
      maxUploadBytes: integer('MAX_UPLOAD_BYTES', 1024 ** 3, 1),
      // Unset: the module's default (30 s) applies.
      uploadIdleTimeoutMs: env.UPLOAD_IDLE_TIMEOUT_MS?.trim() ? integer('UPLOAD_IDLE_TIMEOUT_MS', 30_000, 100, 3_600_000) : undefined,
      workersEnabled: boolean('WORKERS_ENABLED', true),
      workerConcurrency: integer('WORKER_CONCURRENCY', 4, 1, 256),
      shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', 30_000, 0),
      pollIntervalMs: integer('POLL_INTERVAL_MS', 5_000, 10),
      stalledJobThresholdMs: integer('STALLED_JOB_THRESHOLD_MS', 300_000, 1_000),
      defaultMaxRetries: integer('MAX_RETRIES', 3, 0, 100),
      retry: {
        initialDelayMs: integer('RETRY_INITIAL_DELAY_MS', 1_000, 0, 86_400_000),
        maxDelayMs: integer('RETRY_MAX_DELAY_MS', 60_000, 0, 86_400_000),
        backoffMultiplier: decimal('RETRY_BACKOFF_MULTIPLIER', 2, 1, 100),
        jitterFactor: decimal('RETRY_JITTER_FACTOR', 0.1, 0, 1),
      },
      jobTimeoutMs: env.JOB_TIMEOUT_MS?.trim() ? integer('JOB_TIMEOUT_MS', 0, 1, 86_400_000) : null,
      maxExtractedTextBytes: integer('MAX_EXTRACTED_TEXT_BYTES', 1024 ** 2, 0),
      healthCheckIntervalMs: integer('HEALTH_CHECK_INTERVAL_MS', 60_000, 100),
      jobRetentionHours: integer('JOB_RETENTION_HOURS', 168, 1),
      healthThresholds: {
        successRateDegraded: decimal('HEALTH_SUCCESS_RATE_DEGRADED', 0.9, 0, 1),
        successRateUnhealthy: decimal('HEALTH_SUCCESS_RATE_UNHEALTHY', 0.7, 0, 1),
        stalledDegraded: integer('HEALTH_STALLED_DEGRADED', 0, 0),
        stalledUnhealthy: integer('HEALTH_STALLED_UNHEALTHY', 5, 0),
        pendingDegraded: integer('HEALTH_PENDING_DEGRADED', 100, 0),
        oldestPendingDegradedMs: integer('HEALTH_OLDEST_PENDING_DEGRADED_MS', 600_000, 0),
      },
    },
  };
  if (problems.length > 0) throw new Error(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}

import { loadConfig } from '../../src/config/environment';

/** The problem lines of loadConfig's error for `env`, or [] when it accepts it. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    const [heading, ...lines] = (error as Error).message.split('\n');
    expect(heading).toBe('Invalid configuration:');
    return lines.map((line) => line.replace(/^\s+- /, ''));
  }
}

describe('loadConfig (src/config/environment.ts)', () => {
  it('has the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      production: false,
      auth: { adminClaim: 'roles', disabled: false },
      graphqlLimits: { maxAliases: 30, maxCost: 5000, maxDepth: 10, maxDirectives: 50 },
      rateLimits: { mutationsPerMinute: 300, uploadsPerMinute: 60 },
      wsLimits: { maxConnectionsPerCaller: 20, maxSubscriptionsPerCaller: 100 },
      maxJsonBodyBytes: 100 * 1024,
      logging: { format: 'pretty', level: 'info' },
      jobQueue: {
        storageDir: './data/files',
        maxUploadBytes: 1024 ** 3,
        uploadIdleTimeoutMs: 30_000,
        workersEnabled: true,
        workerConcurrency: 4,
        shutdownTimeoutMs: 30_000,
        pollIntervalMs: 5_000,
        stalledJobThresholdMs: 300_000,
        defaultMaxRetries: 3,
        retry: { initialDelayMs: 1_000, maxDelayMs: 60_000, backoffMultiplier: 2, jitterFactor: 0.1 },
        jobTimeoutMs: null,
        maxExtractedTextBytes: 1024 ** 2,
        maxParserHeapMb: 1024,
        healthCheckIntervalMs: 60_000,
        jobRetentionHours: 168,
        builtInProcessors: true,
        httpEndpoints: true,
        dashboard: true,
        explorer: true,
        migrateOnStart: true,
        healthThresholds: {
          successRateDegraded: 0.9,
          successRateUnhealthy: 0.7,
          stalledDegraded: 0,
          stalledUnhealthy: 5,
          pendingDegraded: 100,
          oldestPendingDegradedMs: 600_000,
        },
      },
    });
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ PORT: ' ', DATABASE_URL: '', WORKERS_ENABLED: '', JOB_TIMEOUT_MS: '  ' })).toEqual(
      loadConfig({}),
    );
  });

  it('reads valid values', () => {
    const config = loadConfig({
      PORT: '8080',
      NODE_ENV: 'production',
      DATABASE_URL: ' postgresql://queue@db:5432/jobs ',
      STORAGE_DIR: '/var/files',
      WORKERS_ENABLED: 'No',
      WORKER_CONCURRENCY: '16',
      SHUTDOWN_TIMEOUT_MS: '0',
      JOB_TIMEOUT_MS: '5000',
      RETRY_BACKOFF_MULTIPLIER: '1.5',
    });
    expect(config).toMatchObject({ port: 8080, production: true });
    expect(config.jobQueue).toMatchObject({
      databaseUrl: 'postgresql://queue@db:5432/jobs',
      storageDir: '/var/files',
      workersEnabled: false,
      workerConcurrency: 16,
      shutdownTimeoutMs: 0,
      jobTimeoutMs: 5000,
      retry: { backoffMultiplier: 1.5 },
    });
    expect(loadConfig({ DATABASE_URL: 'file:./data/q.db' }).jobQueue.databaseUrl).toBe('file:./data/q.db');
    expect(loadConfig({ WORKERS_ENABLED: 'TRUE' }).jobQueue.workersEnabled).toBe(true);
  });

  it('logs JSON in production and pretty text elsewhere unless LOG_FORMAT says otherwise (LOG_FORMAT, LOG_LEVEL)', () => {
    expect(loadConfig({ NODE_ENV: 'production', AUTH_DISABLED: 'true' }).logging).toEqual({
      format: 'json',
      level: 'info',
    });
    expect(loadConfig({ NODE_ENV: 'development' }).logging).toEqual({ format: 'pretty', level: 'info' });
    expect(loadConfig({ LOG_FORMAT: ' JSON ', LOG_LEVEL: 'debug' }).logging).toEqual({
      format: 'json',
      level: 'debug',
    });
    expect(loadConfig({ NODE_ENV: 'production', LOG_FORMAT: 'pretty', LOG_LEVEL: 'silent' }).logging).toEqual({
      format: 'pretty',
      level: 'silent',
    });
  });

  it.each([
    ['LOG_FORMAT', 'yaml'],
    ['LOG_LEVEL', 'verbose'],
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['WORKER_CONCURRENCY', '0'],
    ['WORKERS_ENABLED', 'maybe'],
    ['MAX_UPLOAD_BYTES', '-5'],
    ['SHUTDOWN_TIMEOUT_MS', '1.5'],
    ['DATABASE_URL', 'mysql://x'],
  ])('rejects %s=%s with one problem naming the variable and its value', (name, value) => {
    const found = problems({ [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${name} must `));
    expect(found[0]).toContain(`"${value}"`);
  });

  it('names every invalid variable at once', () => {
    const found = problems({
      PORT: 'abc',
      WORKER_CONCURRENCY: '0',
      WORKERS_ENABLED: 'maybe',
      DATABASE_URL: 'mysql://x',
      RETRY_JITTER_FACTOR: '2',
    });
    expect(found.map((problem) => problem.split(' ')[0]).sort()).toEqual(
      ['DATABASE_URL', 'PORT', 'RETRY_JITTER_FACTOR', 'WORKERS_ENABLED', 'WORKER_CONCURRENCY'].sort(),
    );
  });

  it('reads the sign-in settings (AUTH_*)', () => {
    const auth = loadConfig({
      AUTH_JWKS_URL: ' https://id.example.com/.well-known/jwks.json ',
      AUTH_ISSUER: 'https://id.example.com/',
      AUTH_AUDIENCE: 'file-jobs',
      AUTH_ADMIN_CLAIM: 'groups',
      AUTH_API_KEYS_FILE: '/etc/file-jobs/keys',
    }).auth;
    expect(auth).toEqual({
      jwksUrl: 'https://id.example.com/.well-known/jwks.json',
      issuer: 'https://id.example.com/',
      audience: 'file-jobs',
      adminClaim: 'groups',
      apiKeysFile: '/etc/file-jobs/keys',
      disabled: false,
    });
    expect(loadConfig({ AUTH_DISABLED: 'true', NODE_ENV: 'production' }).auth).toEqual({
      adminClaim: 'roles',
      disabled: true,
    });
  });

  it.each([
    [{ AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET must be at least 32 bytes long'],
    [{ AUTH_JWKS_URL: 'ftp://keys' }, 'AUTH_JWKS_URL must be an http:// or https:// URL, got "ftp://keys"'],
    [{ AUTH_JWKS_URL: 'not a url' }, 'AUTH_JWKS_URL must be an http:// or https:// URL, got "not a url"'],
    [
      { AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWKS_URL: 'https://id/jwks' },
      'AUTH_JWT_SECRET and AUTH_JWKS_URL exclude each other: set one',
    ],
    [
      { AUTH_AUDIENCE: 'file-jobs', AUTH_API_KEYS_FILE: '/keys' },
      'AUTH_AUDIENCE applies to JWTs: set AUTH_JWT_SECRET or AUTH_JWKS_URL too',
    ],
    [{ AUTH_DISABLED: 'maybe' }, 'AUTH_DISABLED must be true or false, got "maybe"'],
    [
      { AUTH_DISABLED: 'true', AUTH_API_KEYS_FILE: '/keys' },
      'AUTH_DISABLED=true contradicts AUTH_JWT_SECRET, AUTH_JWKS_URL and AUTH_API_KEYS_FILE: drop one side',
    ],
  ])('rejects the sign-in settings %j naming the variable', (env, problem) => {
    expect(problems(env)).toEqual([problem]);
  });
});

import { Test } from '@nestjs/testing';
import { loadConfig } from '../../src/config/environment';
import { JobQueueModule } from '../../src/job-queue';
import { ENVIRONMENT_VARIABLES, jobQueueOptionsSchema } from '../../src/job-queue/job-queue-options.schema';
import { schemaAt } from '../../src/job-queue/option-problems';
import { resolveJobQueueOptions } from '../../src/job-queue/job-queue.options';

/** The problem lines of an error thrown by `run`. */
function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    return (error as Error).message
      .split('\n')
      .slice(1)
      .map((line) => line.replace(/^\s+- /, ''));
  }
  throw new Error('expected a refusal');
}

describe('JobQueueModule options: one schema for forRoot, forRootAsync and the environment', () => {
  it('fills in the documented defaults', () => {
    const resolved = resolveJobQueueOptions({});
    expect(resolved).toMatchObject({
      storageDir: './data/files',
      workerConcurrency: 4,
      pollIntervalMs: 5_000,
      retry: { initialDelayMs: 1_000, maxDelayMs: 60_000, backoffMultiplier: 2, jitterFactor: 0.1 },
      healthThresholds: { successRateDegraded: 0.9, stalledUnhealthy: 5, oldestPendingDegradedMs: 600_000 },
      database: { provider: 'sqlite', filePath: './data/queue.db' },
    });
    // A partial object keeps the defaults of the keys it leaves out.
    expect(resolveJobQueueOptions({ retry: { jitterFactor: 0 } }).retry).toEqual({
      initialDelayMs: 1_000,
      maxDelayMs: 60_000,
      backoffMultiplier: 2,
      jitterFactor: 0,
    });
  });

  it('refuses what the environment would refuse, naming the option and its value, all at once', () => {
    expect(
      problemsOf(() =>
        resolveJobQueueOptions({ pollIntervalMs: 0, retry: { jitterFactor: 2 }, workersEnabled: 'yes' as never }),
      ),
    ).toEqual([
      'workersEnabled must be true or false, got "yes"',
      'pollIntervalMs must be a whole number of at least 10, got 0',
      'retry.jitterFactor must be a number from 0 to 1, got 2',
    ]);
    expect(problemsOf(() => loadConfig({ POLL_INTERVAL_MS: '0', RETRY_JITTER_FACTOR: '2' }))).toEqual([
      'POLL_INTERVAL_MS must be a whole number of at least 10, got "0"',
      'RETRY_JITTER_FACTOR must be a number from 0 to 1, got "2"',
    ]);
  });

  it('refuses an option it does not know, listing those it does', () => {
    const [problem] = problemsOf(() => resolveJobQueueOptions({ pollInterval: 100 } as never));
    expect(problem).toMatch(
      /^pollInterval is not an option here \(known: databaseUrl, storageDir, .*pollIntervalMs.*\)$/,
    );
    expect(
      problemsOf(() => resolveJobQueueOptions({ analyzer: {} as never, resolveCaller: 'admin' as never })),
    ).toEqual([
      'analyzer must be null or an object with an analyze(input) method, got {}',
      'resolveCaller must be a function (request or connection) => caller, got "admin"',
    ]);
  });

  it('reads every variable of ENVIRONMENT_VARIABLES into its option', () => {
    // Each variable set to a value its schema takes and no default equals: the smallest number allowed, or false.
    const valueFor = (path: string): string => {
      const schema = schemaAt(jobQueueOptionsSchema, path.split('.'));
      if (schema?.kind === 'boolean') return 'false';
      if (schema?.kind === 'number') return String(schema.facts.min);
      return path === 'databaseUrl' ? 'file:./x.db' : '/files';
    };
    const entries = Object.entries(ENVIRONMENT_VARIABLES);
    const config = loadConfig(Object.fromEntries(entries.map(([path, variable]) => [variable, valueFor(path)])));
    for (const [path, variable] of entries) {
      const read = path
        .split('.')
        .reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], config.jobQueue);
      expect([variable, String(read)]).toEqual([variable, valueFor(path)]);
    }
  });

  it('stops start-up of a module whose forRootAsync factory returns an invalid option, naming it', async () => {
    const moduleRef = Test.createTestingModule({
      imports: [
        JobQueueModule.forRootAsync({
          useFactory: () => ({ databaseUrl: 'file::memory:', workerConcurrency: 0, migrateOnStart: false }),
          httpEndpoints: false,
        }),
      ],
    });
    await expect(moduleRef.compile()).rejects.toThrow(
      'Invalid JobQueueModule options:\n  - workerConcurrency must be a whole number from 1 to 256, got 0',
    );
  });
});

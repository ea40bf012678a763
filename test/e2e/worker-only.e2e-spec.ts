import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ANONYMOUS_ADMIN, JobPriority, JobsService } from '../../src/job-queue';
import { JobQueueWorkerModule, WorkerPoolService } from '../../src/job-queue/worker';
import {
  createTestDatabase,
  databaseLabel,
  describePostgres,
  type TestDatabase,
  usingPostgres,
} from '../support/database';
import { attemptsOf, recordingProcessor, storeFile } from '../support/queue-helpers';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

const ROOT = path.resolve(__dirname, '../..');

/** Packages and files of the API: a worker-only process must load none of them. */
const API_CODE = [
  /node_modules\/@nestjs\/graphql\//,
  /node_modules\/graphql\//,
  /node_modules\/@apollo\//,
  /node_modules\/class-validator\//,
  /node_modules\/express\//,
  /node_modules\/@nestjs\/platform-express\//,
  /src\/job-queue\/.*\.resolver\.ts$/,
  /src\/job-queue\/.*\.controller\.ts$/,
  /src\/job-queue\/monitoring\/stats\.repository\.ts$/,
];

/**
 * The other provider's Prisma client, adapter and driver library: a process loads only its own (PrismaService, and
 * the event bus: node-postgres only for LISTEN/NOTIFY).
 */
const OTHER_PROVIDER = usingPostgres
  ? [
      /node_modules\/\.prisma\/sqlite-client\//,
      /node_modules\/@prisma\/adapter-better-sqlite3\//,
      /node_modules\/better-sqlite3\//,
    ]
  : [/node_modules\/\.prisma\/postgresql-client\//, /node_modules\/@prisma\/adapter-pg\//, /node_modules\/pg\//];
const OWN_CLIENT = usingPostgres
  ? /node_modules\/\.prisma\/postgresql-client\//
  : /node_modules\/\.prisma\/sqlite-client\//;

/**
 * Prisma's query runtime and PostgreSQL adapter: a PostgreSQL worker runs on the driver's own statements and makes no
 * Prisma client, so it loads neither (the generated client's enums come from its browser entry).
 */
const PRISMA_QUERY_RUNTIME = [
  /node_modules\/\.prisma\/postgresql-client\/index\.js$/,
  /node_modules\/\.prisma\/postgresql-client\/runtime\/client\.js$/,
  /node_modules\/@prisma\/adapter-pg\//,
];

/** Every file a fresh process (ts-node) has loaded once `script`, an async function body, has run. */
async function filesLoadedBy(script: string): Promise<string[]> {
  const program = `(async () => { ${script} })().then(
    () => process.stdout.write(JSON.stringify(Object.keys(require.cache))),
    (error) => { console.error(error); process.exit(1); });`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-e', program],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as string[];
}

const matching = (files: string[], patterns: RegExp[]) => files.filter((file) => patterns.some((p) => p.test(file)));

describe(`A worker-only instance (JobQueueWorkerModule) beside a full one (${databaseLabel})`, () => {
  const recording = recordingProcessor('solo');
  let database: TestDatabase;
  let api: TestApp;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp(database, { queue: { workersEnabled: false } });
    @Module({
      imports: [
        JobQueueWorkerModule.forRoot({
          databaseUrl: database.url,
          storageDir: `${database.dir}/files`,
          // SQLite has no cross-process wake-up: the worker finds new jobs by polling.
          pollIntervalMs: 100,
          healthCheckIntervalMs: 200,
          shutdownTimeoutMs: 5_000,
        }),
      ],
      providers: [recording.processor],
    })
    class WorkerHostModule {}
    worker = await NestFactory.createApplicationContext(WorkerHostModule, { logger: ['error', 'warn'] });
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await database?.drop();
  });

  it("boots and closes without loading GraphQL, HTTP, statistics, the other provider or Prisma's query runtime", async () => {
    const options = { databaseUrl: database.url, storageDir: `${database.dir}/files`, workersEnabled: false };
    const booted = await filesLoadedBy(`
      const { NestFactory } = require('@nestjs/core');
      const { JobQueueWorkerModule } = require('./src/job-queue/worker');
      const app = await NestFactory.createApplicationContext(
        JobQueueWorkerModule.forRoot(${JSON.stringify(options)}), { logger: false });
      await app.close();`);
    expect(matching(booted, API_CODE)).toEqual([]);
    expect(matching(booted, OTHER_PROVIDER)).toEqual([]);
    if (usingPostgres) {
      expect(matching(booted, PRISMA_QUERY_RUNTIME)).toEqual([]);
      // Control: the patterns match what the generated client's Node entry loads.
      const client = await filesLoadedBy(`require('.prisma/postgresql-client'); require('@prisma/adapter-pg');`);
      expect(matching(client, PRISMA_QUERY_RUNTIME)).toHaveLength(3);
    }
    // Controls: the check sees the provider's own client, and the API in the package's main entry.
    expect(matching(booted, [OWN_CLIENT])).not.toEqual([]);
    const full = matching(await filesLoadedBy(`require('./src/job-queue');`), API_CODE);
    expect(full.some((file) => file.includes('node_modules/@nestjs/graphql/'))).toBe(true);
    expect(full.some((file) => file.endsWith('jobs.resolver.ts'))).toBe(true);
  }, 60_000);

  it('runs the jobs a full instance enqueued, and they show as run by it', async () => {
    const fileId = await storeFile(api.app, 'one.solo');
    const jobs = await api.app.get(JobsService).enqueueMany(
      [0, 1, 2].map(() => ({ fileId, priority: JobPriority.NORMAL })),
      ANONYMOUS_ADMIN,
    );
    const ids = jobs.map((job) => job.id);
    await waitFor(async () => {
      const done = await api.prisma.client.processingJob.count({ where: { id: { in: ids }, status: 'COMPLETED' } });
      return done === ids.length;
    });
    const workerId = worker.get(WorkerPoolService).workerId;
    expect((await attemptsOf(api.prisma.client, ids)).map((attempt) => [attempt.outcome, attempt.workerId])).toEqual(
      ids.map(() => ['COMPLETED', workerId]),
    );
  });

  it('recovers a job whose worker stopped renewing its lease, and runs it again', async () => {
    const fileId = await storeFile(api.app, 'lost.solo');
    const [job] = await api.app.get(JobsService).enqueueMany([{ fileId, priority: JobPriority.HIGH }], ANONYMOUS_ADMIN);
    // As a worker that died mid-attempt leaves it: PROCESSING under a lease that ran out a minute ago.
    await api.prisma.driver.records.overwriteJob(job.id, {
      status: 'PROCESSING',
      leaseOwner: 'gone:1:abc',
      leaseExpiresAt: new Date(Date.now() - 60_000),
      startedAt: new Date(Date.now() - 120_000),
      attemptCount: 1,
      availableAt: new Date(Date.now() + 3_600_000),
    });
    const attempts = await waitFor(async () => {
      const history = await attemptsOf(api.prisma.client, [job.id]);
      return history.some((attempt) => attempt.outcome === 'COMPLETED') ? history : null;
    }, 20_000);
    expect(attempts.map((attempt) => [attempt.number, attempt.errorCode, attempt.outcome])).toEqual([
      [1, 'STALLED', 'RETRYING'],
      [2, null, 'COMPLETED'],
    ]);
    expect(attempts[1].workerId).toBe(worker.get(WorkerPoolService).workerId);
  }, 30_000);
});

/** Loaded by Prisma's client at its first query (engineType "client"): the query compiler, ~7 MB of a worker's RSS. */
const PRISMA_QUERY_COMPILER = /node_modules\/\.prisma\/postgresql-client\/query_compiler_bg\.js$/;

describePostgres('A worker-only process makes no Prisma client while it runs jobs (PostgreSQL)', () => {
  let database: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp(database, { queue: { workersEnabled: false } });
  });

  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  const enqueueOne = (fileId: string) =>
    api.app.get(JobsService).enqueueMany([{ fileId, priority: JobPriority.NORMAL }], ANONYMOUS_ADMIN);

  /**
   * Boots a worker-only module with a processor of `reporting` files in a fresh process, waits until it settled the
   * job, runs `then`, closes it; returns every file the process loaded.
   */
  const workerProcessFiles = (jobId: string, then = '') =>
    filesLoadedBy(`
      const { NestFactory } = require('@nestjs/core');
      const { FileProcessor, JobQueueWorkerModule, LocalJobEvents } = require('./src/job-queue/worker');
      const { Inject } = require('@nestjs/common');
      const { PrismaService } = require('./src/job-queue/database/prisma.service');
      // Reports progress, then finishes once the driver has saved it (the signal: its saveProgress resolved for this
      // job; the first write waits 500 ms). Never saved, the job's timeout (jobTimeoutMs) fails the attempt.
      class Reporting {
        constructor(prisma) {
          const { driver } = prisma;
          const save = driver.saveProgress.bind(driver);
          this.saved = new Map();
          driver.saveProgress = async (workerId, progress) => {
            await save(workerId, progress);
            for (const { jobId } of progress) this.saved.get(jobId)?.();
          };
        }
        async process({ job, progress }) {
          const saved = new Promise((resolve) => this.saved.set(job.id, resolve));
          progress.stage('READING');
          progress.bytes(3);
          await saved;
          return job.fileName.startsWith('analysed') ? { extractedText: 'analysed words' } : {};
        }
      }
      Inject(PrismaService)(Reporting, undefined, 0);
      FileProcessor('reporting')(Reporting);
      const options = ${JSON.stringify({
        databaseUrl: database.url,
        storageDir: `${database.dir}/files`,
        pollIntervalMs: 100,
        healthCheckIntervalMs: 200,
        jobTimeoutMs: 10_000,
      })};
      // Fails every analysis: the runner saves the extraction first (only 'analysed' files have text to analyse).
      options.analyzer = { analyze: async () => { throw new Error('analyzer down'); } };
      const app = await NestFactory.createApplicationContext(
        { module: class Host {}, imports: [JobQueueWorkerModule.forRoot(options)], providers: [Reporting] },
        { logger: false });
      await new Promise((resolve) => app.get(LocalJobEvents).onSettled(({ job }) => job.id === '${jobId}' && resolve()));
      ${then}
      await app.close();`);

  it('looks up the file, saves progress, completes the job, sweeps and cleans up on its driver alone', async () => {
    const fileId = await storeFile(api.app, 'seven.reporting');
    const [job] = await enqueueOne(fileId);
    const files = await workerProcessFiles(job.id);
    const done = await api.prisma.client.processingJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(done).toMatchObject({ status: 'COMPLETED', bytesProcessed: 7n });
    expect(matching(files, [PRISMA_QUERY_COMPILER])).toEqual([]);

    // Control: the same process loads it once anything queries through Prisma.
    const [again] = await enqueueOne(fileId);
    const queried = await workerProcessFiles(
      again.id,
      `await app.get(PrismaService).client.$queryRawUnsafe('SELECT 1');`,
    );
    expect(matching(queried, [PRISMA_QUERY_COMPILER])).toHaveLength(1);

    // The hourly cleanup too (run here at once, with no retention): the jobs and their files go, no client is made.
    const cleanedFile = await storeFile(api.app, 'cleaned.reporting');
    const [cleaned] = await enqueueOne(cleanedFile);
    const afterCleanup = await workerProcessFiles(
      cleaned.id,
      `await app.get(require('./src/job-queue/monitoring/cleanup.service').CleanupService).cleanup(0);`,
    );
    expect(await api.prisma.client.processingJob.findUnique({ where: { id: cleaned.id } })).toBeNull();
    expect(await api.prisma.client.storedFile.count({ where: { id: { in: [cleanedFile, fileId] } } })).toBe(0);
    expect(matching(afterCleanup, [PRISMA_QUERY_COMPILER])).toEqual([]);
  }, 60_000);

  it('saves the extraction before a failing analysis on its driver alone', async () => {
    const fileId = await storeFile(api.app, 'analysed.reporting');
    const [job] = await enqueueOne(fileId);
    const files = await workerProcessFiles(job.id);
    expect(await api.prisma.client.processingJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      status: 'RETRYING',
      errorCode: 'ANALYSIS_FAILED',
      extractedText: 'analysed words',
      result: { analysisPending: true },
    });
    expect(matching(files, [PRISMA_QUERY_COMPILER])).toEqual([]);
  }, 60_000);
});

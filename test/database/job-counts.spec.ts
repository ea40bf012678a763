import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { Client } from 'pg';
import {
  ANONYMOUS_ADMIN,
  FileProcessor,
  FileStorageService,
  JobPriority,
  JobsService,
  NonRecoverableError,
  RecoverableError,
  type FileProcessorHandler,
  type JobRecord,
  type ProcessingContext,
} from '../../src/job-queue';
import type { DatabaseClient } from '../../src/job-queue/database/prisma.service';
import { createTestDatabase, databaseLabel, describePostgres, type TestDatabase } from '../support/database';
import { insertJob } from '../support/fixtures';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';
import { asError } from '../../src/job-queue/common/as-error';
import { queuePoolConfig } from '../../src/job-queue/database/postgres/postgres-connection';

const HOUR = 3_600_000;
const UNFINISHED = ['PENDING', 'PROCESSING', 'RETRYING'];

type Behaviour = 'ok' | 'fatal' | 'flaky' | 'hang';

/** Behaves as the job's options.behaviour says. */
@Injectable()
@FileProcessor('tally')
class ScriptedProcessor implements FileProcessorHandler {
  static calls = new Map<string, number>();

  async process({ job, signal }: ProcessingContext) {
    const call = (ScriptedProcessor.calls.get(job.id) ?? 0) + 1;
    ScriptedProcessor.calls.set(job.id, call);
    switch ((job.options as { behaviour: Behaviour }).behaviour) {
      case 'fatal':
        throw new NonRecoverableError('MALFORMED_FILE', 'never parses');
      case 'flaky':
        if (call === 1) throw new RecoverableError('IO_ERROR', 'disk hiccup');
        return { result: { call } };
      case 'hang':
        return new Promise<never>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(asError(signal.reason)), { once: true }),
        );
      default:
        return { result: { call } };
    }
  }
}

type Tally = Record<string, number>;
const key = (row: { status: string; format: string; priority: unknown }) =>
  `${row.status}/${row.format}/${Number(row.priority)}`;

/** The triggers' tallies (shards summed, zeros dropped) and a GROUP BY of the jobs themselves, in one snapshot each. */
async function tallies(db: DatabaseClient): Promise<{ kept: Tally; counted: Tally }> {
  const kept = await db.$queryRawUnsafe<{ status: string; format: string; priority: unknown; count: unknown }[]>(
    `SELECT status, format, priority, SUM(count) AS count FROM job_counts GROUP BY status, format, priority HAVING SUM(count) <> 0`,
  );
  const counted = await db.$queryRawUnsafe<{ status: string; format: string; priority: unknown; count: unknown }[]>(
    `SELECT status, format, priority, COUNT(*) AS count FROM processing_jobs GROUP BY status, format, priority`,
  );
  const byKey = (rows: typeof kept) => Object.fromEntries(rows.map((row) => [key(row), Number(row.count)]).sort());
  return { kept: byKey(kept), counted: byKey(counted) };
}

async function expectTalliesExact(db: DatabaseClient): Promise<Tally> {
  const { kept, counted } = await tallies(db);
  expect(kept).toEqual(counted);
  return kept;
}

describe(`job_counts tallies kept by triggers (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  let fileId: string;
  let db: DatabaseClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, {
      providers: [ScriptedProcessor],
      queue: { pollIntervalMs: 100, workerConcurrency: 4, retry: { initialDelayMs: 50, maxDelayMs: 100 } },
    });
    db = service.prisma.client;
    fileId = (await service.app.get(FileStorageService).store(Readable.from(['x']), 'sample.tally', ANONYMOUS_ADMIN))
      .id;
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  const jobs = () => service.app.get(JobsService);
  const enqueue = (behaviour: Behaviour, priority = JobPriority.NORMAL, runAt?: Date): Promise<JobRecord> =>
    jobs().enqueue({ fileId, priority, maxRetries: 2, runAt, options: { behaviour } }, ANONYMOUS_ADMIN);
  const statusOf = async (id: string) => (await db.processingJob.findUniqueOrThrow({ where: { id } })).status;

  it('match the jobs after fixtures, enqueues, claims, completions, failures, retries, cancels and deletes', async () => {
    expect(await expectTalliesExact(db)).toEqual({});

    // Rows written straight into the table, as the fixtures and the bench seeder do.
    const old = { createdAgoMs: 300 * HOUR, startedAgoMs: 300 * HOUR, completedAgoMs: 299 * HOUR };
    const fixtures = [
      await insertJob(db, { format: 'ghost', status: 'COMPLETED', priority: 3, ...old }),
      await insertJob(db, { format: 'ghost', status: 'FAILED', priority: 1, ...old }),
      await insertJob(db, { format: 'ghost', status: 'CANCELLED', ...old }),
      await insertJob(db, { format: 'ghost', status: 'PENDING', availableInMs: HOUR }),
      await insertJob(db, { format: 'csv', status: 'RETRYING', priority: 1, availableInMs: HOUR }),
    ];
    await expectTalliesExact(db);

    // The queue's own paths: bulk enqueue, claims, completions, recoverable and fatal failures, retries.
    const behaviours: Behaviour[] = ['ok', 'ok', 'ok', 'fatal', 'flaky', 'ok', 'flaky', 'fatal'];
    const priorities = [JobPriority.LOW, JobPriority.NORMAL, JobPriority.HIGH];
    const enqueued = await jobs().enqueueMany(
      behaviours.map((behaviour, index) => ({
        fileId,
        priority: priorities[index % 3],
        maxRetries: 2,
        options: { behaviour },
      })),
      ANONYMOUS_ADMIN,
    );
    const hanging = await enqueue('hang', JobPriority.HIGH);
    const later = await enqueue('ok', JobPriority.LOW, new Date(Date.now() + HOUR));
    await waitFor(
      async () =>
        (await db.processingJob.count({
          where: { id: { in: enqueued.map((job) => job.id) }, status: { in: UNFINISHED } },
        })) === 0,
    );
    await waitFor(async () => (await statusOf(hanging.id)) === 'PROCESSING');
    const settled = await expectTalliesExact(db);
    expect(settled['COMPLETED/tally/2']).toBeGreaterThan(0);
    expect(settled['FAILED/tally/1']).toBe(1);

    // Cancels (one waiting, one running) and a manual retry of a failure, which fails again.
    await jobs().cancel(later.id, ANONYMOUS_ADMIN);
    await jobs().cancel(hanging.id, ANONYMOUS_ADMIN);
    await waitFor(async () => (await statusOf(hanging.id)) === 'CANCELLED');
    const failed = enqueued.find((job, index) => behaviours[index] === 'fatal')!;
    await jobs().retry(failed.id, ANONYMOUS_ADMIN);
    await waitFor(async () => ScriptedProcessor.calls.get(failed.id) === 2 && (await statusOf(failed.id)) === 'FAILED');
    await expectTalliesExact(db);

    // Updates through Prisma: one moving jobs between tallies, one changing nothing they count (a progress write).
    await db.processingJob.updateMany({
      where: { id: { in: fixtures.slice(3) } },
      data: { priority: 3, format: 'txt', status: 'PENDING' },
    });
    await db.processingJob.updateMany({ where: { id: { in: fixtures } }, data: { stage: 'READING', progress: 40 } });
    await db.processingJob.updateMany({ where: { id: fixtures[3] }, data: { status: 'PENDING' } });
    await expectTalliesExact(db);

    // Cleanup deletes the old terminal jobs; a plain delete removes another.
    const { data, errors } = await service.gql(`mutation { cleanupJobs(olderThanHours: 168) }`);
    expect(errors).toBeUndefined();
    expect(data.cleanupJobs).toBe(3);
    await db.processingJob.delete({ where: { id: fixtures[4] } });
    const remaining = await expectTalliesExact(db);
    expect(Object.keys(remaining).some((tally) => tally.endsWith('/ghost/3'))).toBe(false);

    const { data: stats } = await service.gql(`{ jobStats { total byStatus { status count } } }`);
    expect(stats.jobStats.total).toBe(await db.processingJob.count());
    for (const { status, count } of stats.jobStats.byStatus)
      expect(count).toBe(await db.processingJob.count({ where: { status } }));
  });
});

/** A client of `url` whose backend writes to the same tally shard (pg_backend_pid() % 16) as `shard`, if given. */
async function connectOnShard(url: string, shard?: number): Promise<{ client: Client; shard: number }> {
  const spare: Client[] = [];
  try {
    for (let tries = 0; tries < 64; tries++) {
      const client = new Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query<{ shard: number }>('SELECT pg_backend_pid() % 16 AS shard');
      if (shard === undefined || rows[0].shard === shard) return { client, shard: rows[0].shard };
      spare.push(client);
    }
    throw new Error(`no backend on shard ${shard} in 64 connections`);
  } finally {
    await Promise.all(spare.map((client) => client.end()));
  }
}

describePostgres('job_counts tallies under concurrent writers (PostgreSQL)', () => {
  let database: TestDatabase;
  let service: TestApp;
  let db: DatabaseClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, { queue: { workersEnabled: false } });
    db = service.prisma.client;
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('stay exact when two writers on the same shard move jobs across the same tallies in opposite directions', async () => {
    const ids = await Promise.all(
      Array.from({ length: 40 }, (_, index) => insertJob(db, { status: index % 2 ? 'COMPLETED' : 'PENDING' })),
    );
    const first = await connectOnShard(database.url);
    const second = await connectOnShard(database.url, first.shard);
    // Each transaction holds its tally rows until it commits; the other's statements touch the same two rows the
    // other way round. Applied in key order, they wait for each other instead of deadlocking.
    const flip = async (client: Client, mine: string[], from: string, to: string) => {
      for (let round = 0; round < 25; round++) {
        await client.query('BEGIN');
        await client.query(`UPDATE processing_jobs SET status = $1 WHERE id = ANY($2) AND status = $3`, [
          to,
          mine,
          from,
        ]);
        await client.query(`UPDATE processing_jobs SET status = $1 WHERE id = ANY($2) AND status = $3`, [
          from,
          mine,
          to,
        ]);
        await client.query(`UPDATE processing_jobs SET status = $1 WHERE id = ANY($2) AND status = $3`, [
          to,
          mine.slice(0, round % 5),
          from,
        ]);
        await client.query('COMMIT');
      }
    };
    try {
      await Promise.all([
        flip(
          first.client,
          ids.filter((_, index) => index % 2 === 0),
          'PENDING',
          'COMPLETED',
        ),
        flip(
          second.client,
          ids.filter((_, index) => index % 2 === 1),
          'COMPLETED',
          'PENDING',
        ),
      ]);
    } finally {
      await Promise.all([first.client.end(), second.client.end()]);
    }
    const kept = await expectTalliesExact(db);
    expect(kept['PENDING/txt/2'] + kept['COMPLETED/txt/2']).toBe(40);
  });

  /*
   * The queue's claim, completion and settlement tally their own moves, on connections that say so; a statement that
   * does not (an older instance's, during a rolling upgrade, or a host's own) is tallied by the row trigger.
   */
  it("stay exact through a state's update made directly, on a connection other than the queue's", async () => {
    const atStart = await expectTalliesExact(db);
    const ids = await Promise.all(Array.from({ length: 3 }, () => insertJob(db, { status: 'PENDING' })));
    const before = await expectTalliesExact(db);
    const moveDirectly = async (status: string, options?: string) => {
      const client = new Client({ connectionString: database.url, options });
      await client.connect();
      try {
        await client.query(`UPDATE job_states SET status = $1 WHERE id = ANY($2)`, [status, ids]);
      } finally {
        await client.end();
      }
    };
    await moveDirectly('PROCESSING');
    expect(await expectTalliesExact(db)).toEqual({
      ...before,
      'PENDING/txt/2': before['PENDING/txt/2'] - 3,
      'PROCESSING/txt/2': (before['PROCESSING/txt/2'] ?? 0) + 3,
    });
    // (control) On a queue connection the trigger leaves the move to the statement, which this one does not tally;
    // moved back the same way, the tallies agree again.
    await moveDirectly('CANCELLED', queuePoolConfig(database.url).options);
    const { kept, counted } = await tallies(db);
    expect([counted['CANCELLED/txt/2'] ?? 0, kept['CANCELLED/txt/2'] ?? 0]).toEqual([3, 0]);
    await moveDirectly('PROCESSING', queuePoolConfig(database.url).options);
    await db.$executeRawUnsafe(`DELETE FROM processing_jobs WHERE id = ANY($1)`, ids);
    expect(await expectTalliesExact(db)).toEqual(atStart);
  });

  /* The settlement's other outcomes, each a move the statement tallies itself: release at shutdown, stalled recovery. */
  it('stay exact through a release at shutdown and a recovery of stalled jobs', async () => {
    const worker = await startTestApp(database, {
      providers: [ScriptedProcessor],
      queue: { pollIntervalMs: 100, workerConcurrency: 2, shutdownTimeoutMs: 100 },
    });
    const fileId = (await worker.app.get(FileStorageService).store(Readable.from(['x']), 'held.tally', ANONYMOUS_ADMIN))
      .id;
    const held = await worker.app
      .get(JobsService)
      .enqueue({ fileId, priority: JobPriority.NORMAL, options: { behaviour: 'hang' } }, ANONYMOUS_ADMIN);
    const statusOf = async () => (await db.processingJob.findUniqueOrThrow({ where: { id: held.id } })).status;
    await waitFor(async () => (await statusOf()) === 'PROCESSING');
    await worker.close();
    expect(await statusOf()).toBe('PENDING');
    expect((await expectTalliesExact(db))['PENDING/tally/2']).toBe(1);

    const before = await expectTalliesExact(db);
    const stalled = { status: 'PROCESSING', startedAgoMs: HOUR, leaseExpiresInMs: -HOUR };
    const recovered = [
      await insertJob(db, { ...stalled, retryCount: 0, maxRetries: 3 }),
      await insertJob(db, { ...stalled, retryCount: 3, maxRetries: 3 }),
    ];
    const { data, errors } = await service.gql('mutation { recoverStalledJobs }');
    expect(errors).toBeUndefined();
    expect(data.recoverStalledJobs).toBe(2);
    const kept = await expectTalliesExact(db);
    const added = (tally: string) => (kept[tally] ?? 0) - (before[tally] ?? 0);
    expect(['PROCESSING/txt/2', 'RETRYING/txt/2', 'FAILED/txt/2'].map(added)).toEqual([0, 1, 1]);
    await db.processingJob.deleteMany({ where: { id: { in: [held.id, ...recovered] } } }); // no hang for the next case
    await expectTalliesExact(db);
  });

  it('stay exact while two queue instances burn down the same queue, and are emptied by TRUNCATE', async () => {
    const queue = { pollIntervalMs: 100, workerConcurrency: 8, retry: { initialDelayMs: 50, maxDelayMs: 100 } };
    const other = await startTestApp(database, { providers: [ScriptedProcessor], queue });
    const worker = await startTestApp(database, { providers: [ScriptedProcessor], queue });
    try {
      const fileId = (
        await worker.app.get(FileStorageService).store(Readable.from(['x']), 'burn.tally', ANONYMOUS_ADMIN)
      ).id;
      const behaviours: Behaviour[] = ['ok', 'ok', 'flaky', 'ok', 'fatal'];
      const enqueued = await worker.app.get(JobsService).enqueueMany(
        Array.from({ length: 200 }, (_, index) => ({
          fileId,
          priority: JobPriority.NORMAL,
          maxRetries: 1,
          options: { behaviour: behaviours[index % 5] },
        })),
        ANONYMOUS_ADMIN,
      );
      const ids = enqueued.map((job) => job.id);
      await waitFor(
        async () => (await db.processingJob.count({ where: { id: { in: ids }, status: { in: UNFINISHED } } })) === 0,
        30_000,
      );
      const kept = await expectTalliesExact(db);
      expect(kept['COMPLETED/tally/2']).toBe(160);
      expect(kept['FAILED/tally/2']).toBe(40);
    } finally {
      await Promise.all([worker.close(), other.close()]);
    }
    await db.$executeRawUnsafe('TRUNCATE job_states, job_records CASCADE'); // the job's two rows (a view joins them)
    expect(await expectTalliesExact(db)).toEqual({});
  });
});

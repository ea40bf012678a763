import { Readable } from 'node:stream';
import { Client } from 'pg';
import { ANONYMOUS_ADMIN, FileStorageService, JobPriority, JobsService } from '../../src/job-queue';
import { queuePoolConfig } from '../../src/job-queue/database/postgres/postgres-connection';
import type { DatabaseClient } from '../../src/job-queue/database/prisma.service';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/database';
import { insertJob } from '../support/fixtures';
import {
  type Behaviour,
  expectTalliesExact,
  HOUR,
  ScriptedProcessor,
  tallies,
  UNFINISHED,
} from '../support/job-tallies';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';
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

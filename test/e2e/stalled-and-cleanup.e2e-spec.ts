import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import {
  ANONYMOUS_ADMIN,
  FileProcessor,
  FileStorageService,
  JobsService,
  MonitoringService,
  type FileProcessorHandler,
} from '../../src/job-queue';
import { JobEventBus } from '../../src/job-queue/events/job-event-bus';
import { JobTopics } from '../../src/job-queue/events/job-events';
import { HealthService } from '../../src/job-queue/monitoring/health.service';
import type { QueueHealth } from '../../src/job-queue/monitoring/models/queue-health.model';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { insertFile, insertJob } from '../support/fixtures';
import { simulateWork } from '../support/signals';
import { subscribe } from '../support/subscriptions';
import { startTestApp, type TestApp, useTestApp, waitFor } from '../support/test-app';
import { attemptsOf } from '../support/queue-helpers';

const HOUR = 3_600_000;

/** Takes 2.5 s: longer than the 1 s lease threshold, but it keeps renewing its lease. */
@Injectable()
@FileProcessor('slowpoke')
class SlowButAliveProcessor implements FileProcessorHandler {
  async process() {
    await simulateWork(2500);
    return { metadata: { slow: true } };
  }
}

describe(`Stalled jobs and cleanup (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  let storageDir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    storageDir = path.join(database.dir, 'files');
    service = await startTestApp(database, {
      providers: [SlowButAliveProcessor],
      queue: { stalledJobThresholdMs: 1000, healthCheckIntervalMs: 200, workerConcurrency: 2 },
    });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('lists a PROCESSING job whose lease ran out and recovers it as a STALLED attempt, under the retry rules', async () => {
    const db = service.prisma.client;
    // A format no worker here handles, so only recovery touches these jobs. Each is inserted with a live lease and
    // an open attempt row (as an older version's claim left them), then its lease is run out in one update: with the
    // lease expired at insert, the sweep (every 200 ms) once recovered a job before its attempt row existed.
    const stalledIds: string[] = [];
    for (const maxRetries of [3, 1]) {
      const jobId = await insertJob(db, {
        format: 'ghost',
        status: 'PROCESSING',
        startedAgoMs: 60_000,
        leaseExpiresInMs: 60_000,
        maxRetries,
        retryCount: 1,
      });
      await db.jobAttempt.create({
        data: {
          id: `${jobId}:1`,
          jobId,
          number: 1,
          workerId: 'fixture-worker',
          startedAt: new Date(Date.now() - 60_000),
        },
      });
      await service.prisma.driver.records.overwriteJob(jobId, { leaseExpiresAt: new Date(Date.now() - 30_000) });
      stalledIds.push(jobId);
    }
    const [stalledId, exhaustedId] = stalledIds;
    // The scheduled health check (every 200 ms) recovers them by itself.
    await waitFor(
      async () =>
        (await db.processingJob.count({ where: { id: { in: [stalledId, exhaustedId] }, status: 'PROCESSING' } })) === 0,
      5000,
    );

    const retried = await db.processingJob.findUniqueOrThrow({ where: { id: stalledId }, include: { attempts: true } });
    expect(retried).toMatchObject({
      status: 'RETRYING',
      retryCount: 2,
      errorCode: 'STALLED',
      errorRecoverable: true,
      leaseOwner: null,
    });
    expect(retried.attempts).toEqual([
      expect.objectContaining({ number: 1, outcome: 'RETRYING', errorCode: 'STALLED' }),
    ]);
    expect(retried.attempts[0].finishedAt).not.toBeNull();
    const failed = await db.processingJob.findUniqueOrThrow({ where: { id: exhaustedId } });
    expect(failed).toMatchObject({ status: 'FAILED', errorCode: 'STALLED', retryCount: 1 });
    expect((await service.gql(`{ stalledJobs { id } }`)).data.stalledJobs).toEqual([]);
  });

  it('never recovers a job that is slower than the threshold but keeps renewing its lease', async () => {
    const file = await service.app
      .get(FileStorageService)
      .store(Readable.from(['x']), 'long.slowpoke', ANONYMOUS_ADMIN);
    const job = await service.app
      .get(JobsService)
      .enqueue({ fileId: file.id, priority: 'NORMAL' as never }, ANONYMOUS_ADMIN);
    await waitFor(
      async () =>
        (await service.prisma.client.processingJob.findUnique({ where: { id: job.id } }))?.status === 'COMPLETED',
      10_000,
    );
    const attempts = await attemptsOf(service.prisma.client, [job.id]);
    expect(attempts).toEqual([expect.objectContaining({ number: 1, outcome: 'COMPLETED', errorCode: null })]);
  });

  it('publishes each scheduled health check to queueHealthChanged and to in-process monitors', async () => {
    const run = subscribe(
      service.wsClient(),
      `subscription { queueHealthChanged { status issues pendingCount checkedAt } }`,
      {},
      'queueHealthChanged',
    );
    await waitFor(() => run.updates.length >= 2, 3000);
    run.cancel();
    expect(run.updates[0]).toMatchObject({
      status: expect.stringMatching(/^(HEALTHY|DEGRADED|UNHEALTHY)$/),
      pendingCount: expect.any(Number),
    });
    expect(Date.parse(run.updates[1].checkedAt)).toBeGreaterThan(Date.parse(run.updates[0].checkedAt));

    const results: QueueHealth[] = [];
    const stop = service.app.get(MonitoringService).startHealthMonitoring(100, (health) => results.push(health));
    await waitFor(() => results.length >= 2, 3000);
    stop();
    const count = results.length;
    // The signal that time has passed: a second monitor on the same interval, left running, delivers three more.
    const control: QueueHealth[] = [];
    const stopControl = service.app.get(MonitoringService).startHealthMonitoring(100, (health) => control.push(health));
    await waitFor(() => control.length >= 4, 3000);
    stopControl();
    expect(results.length).toBe(count);
    expect(results[0]).toMatchObject({
      status: expect.stringMatching(/HEALTHY|DEGRADED|UNHEALTHY/),
      issues: expect.any(Array),
    });
  });

  it('never sends a subscriber health older than what it already has', async () => {
    const run = subscribe<QueueHealth & { checkedAt: string }>(
      service.wsClient(),
      `subscription { queueHealthChanged { pendingCount checkedAt } }`,
      {},
      'queueHealthChanged',
    );
    await run.firstUpdate;
    // A check that began a minute before the subscriber's own and was published after it (as a scheduled check that
    // began first and finished second is), marked by a count no real check here has.
    const stale = { ...(await service.app.get(HealthService).check()), pendingCount: 987_654 };
    stale.checkedAt = new Date(Date.parse(run.updates[0].checkedAt) - 60_000);
    await service.app.get(JobEventBus).publish(JobTopics.queueHealth, { ...stale });
    await waitFor(() => run.updates.length >= 3, 5000);
    run.cancel();
    expect(run.updates.map((health) => health.pendingCount)).not.toContain(987_654);
    const times = run.updates.map((health) => Date.parse(health.checkedAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('deletes only old terminal jobs, their attempts, and their files when no other job needs them', async () => {
    const db = service.prisma.client;
    const oldAlone = await insertFile(db, storageDir, 'old-alone.txt');
    const shared = await insertFile(db, storageDir, 'shared.txt');
    const recentFile = await insertFile(db, storageDir, 'recent.txt');
    const oldCompleted = await insertJob(db, {
      format: 'ghost',
      status: 'COMPLETED',
      fileId: oldAlone,
      createdAgoMs: 200 * HOUR,
      startedAgoMs: 200 * HOUR,
      completedAgoMs: 199 * HOUR,
      attempts: [{ errorCode: null, finishedAgoMs: 199 * HOUR }],
    });
    const oldFailed = await insertJob(db, {
      format: 'ghost',
      status: 'FAILED',
      fileId: shared,
      createdAgoMs: 200 * HOUR,
      completedAgoMs: 180 * HOUR,
    });
    const oldCancelled = await insertJob(db, {
      format: 'ghost',
      status: 'CANCELLED',
      fileId: shared,
      createdAgoMs: 200 * HOUR,
      completedAgoMs: 170 * HOUR,
    });
    const keptPending = await insertJob(db, {
      format: 'ghost',
      status: 'PENDING',
      fileId: shared,
      createdAgoMs: 300 * HOUR,
      availableInMs: HOUR,
    });
    const keptRecent = await insertJob(db, {
      format: 'ghost',
      status: 'COMPLETED',
      fileId: recentFile,
      createdAgoMs: 2 * HOUR,
      startedAgoMs: 2 * HOUR,
      completedAgoMs: HOUR,
    });

    const { data, errors } = await service.gql(`mutation { cleanupJobs(olderThanHours: 168) }`);
    expect(errors).toBeUndefined();
    expect(data.cleanupJobs).toBe(3);
    const remaining = (
      await db.processingJob.findMany({
        where: { id: { in: [oldCompleted, oldFailed, oldCancelled, keptPending, keptRecent] } },
      })
    ).map((job) => job.id);
    expect(remaining.sort()).toEqual([keptPending, keptRecent].sort());
    expect(await db.jobAttempt.count({ where: { jobId: oldCompleted } })).toBe(0);
    const files = (await db.storedFile.findMany({ where: { id: { in: [oldAlone, shared, recentFile] } } })).map(
      (file) => file.id,
    );
    expect(files.sort()).toEqual([shared, recentFile].sort());
    expect(existsSync(path.join(storageDir, `${oldAlone}.txt`))).toBe(false);
    expect(existsSync(path.join(storageDir, `${shared}.txt`))).toBe(true);

    const again = await service.gql(`mutation { cleanupJobs(olderThanHours: 168) }`);
    expect(again.data.cleanupJobs).toBe(0);
    const invalid = await service.gql(`mutation { cleanupJobs(olderThanHours: -1) }`);
    expect(invalid.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe(`recoverStalledJobs on demand (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp(
    { queue: { workersEnabled: false, healthCheckIntervalMs: 3_600_000 } },
    (started) => ({ service } = started),
  );

  it('lists stalled jobs and recovers exactly those, once', async () => {
    const db = service.prisma.client;
    const stalledId = await insertJob(db, {
      status: 'PROCESSING',
      startedAgoMs: 5000,
      leaseExpiresInMs: -1000,
      attempts: [],
    });
    const aliveId = await insertJob(db, {
      status: 'PROCESSING',
      startedAgoMs: 5000,
      leaseExpiresInMs: 60_000,
      attempts: [],
    });
    const listed = await service.gql(`{ stalledJobs { id status } }`);
    expect(listed.data.stalledJobs).toEqual([{ id: stalledId, status: 'PROCESSING' }]);
    expect((await service.gql(`mutation { recoverStalledJobs }`)).data.recoverStalledJobs).toBe(1);
    expect((await service.gql(`mutation { recoverStalledJobs }`)).data.recoverStalledJobs).toBe(0);
    expect((await db.processingJob.findUniqueOrThrow({ where: { id: stalledId } })).status).toBe('RETRYING');
    expect((await db.processingJob.findUniqueOrThrow({ where: { id: aliveId } })).status).toBe('PROCESSING');
  });
});

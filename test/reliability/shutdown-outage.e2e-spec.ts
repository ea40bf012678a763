import { Client } from 'pg';
import { JobStatus, WorkerPoolService } from '../../src/job-queue';
import type { TestDatabase } from '../support/database';
import {
  describePrivatePostgres,
  type PrivatePostgres,
  privateTestDatabase,
  startPrivatePostgres,
} from '../support/private-postgres';
import { enqueueJobs, jobState, recordingProcessor, storeFile } from '../support/queue-helpers';
import { within } from '../support/slow-host-process';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

/**
 * A shutdown while PostgreSQL is down: the job still running at the deadline cannot be put back to PENDING. That
 * failure used to end the shutdown there (app.close() rejected with the connection error): the HTTP server, the pools
 * and the event bus, whose LISTEN connection went on reconnecting every second, were never closed.
 */
describePrivatePostgres('Shutdown while the database is down (private PostgreSQL)', () => {
  let cluster: PrivatePostgres;
  let database: TestDatabase;
  let service: TestApp | null = null;

  beforeAll(async () => {
    cluster = await startPrivatePostgres();
    database = await privateTestDatabase(cluster, 'shutdown_outage');
  });

  afterAll(async () => {
    await service?.close().catch(() => undefined);
    await database?.drop();
    cluster?.destroy();
  });

  it('close() still ends, and the job it could not release runs again once its lease expires', async () => {
    const slow = recordingProcessor('slow', { durationMs: 60_000 });
    const app = await startTestApp(database, {
      providers: [slow.processor],
      queue: { shutdownTimeoutMs: 300, stalledJobThresholdMs: 2_000, healthCheckIntervalMs: 500 },
    });
    service = app;
    const workerId = app.app.get(WorkerPoolService).workerId;
    const [job] = await enqueueJobs(app.app, await storeFile(app.app, 'long.slow'), 1);
    await waitFor(() => slow.log.calls.has(job.id));

    cluster.stop('fast');
    service = null;
    await within(app.close(), 30_000, 'the instance to close'); // before: rejected with ECONNREFUSED
    expect(slow.log.aborts.get(job.id)).toBe('shutdown');

    cluster.start();
    const db = new Client({ connectionString: database.url });
    await db.connect();
    const { rows } = await db
      .query('SELECT status, lease_owner FROM processing_jobs WHERE id = $1', [job.id])
      .finally(() => db.end());
    expect(rows).toEqual([{ status: JobStatus.PROCESSING, lease_owner: workerId }]); // left as it was, under its lease

    const quick = recordingProcessor('slow');
    const next = await startTestApp(database, {
      providers: [quick.processor],
      queue: { stalledJobThresholdMs: 2_000, healthCheckIntervalMs: 500 },
    });
    service = next;
    await waitFor(async () => (await jobState(next.prisma.client, job.id)).status === JobStatus.COMPLETED, 30_000);
    expect(quick.log.calls.get(job.id)).toBe(1);
  }, 120_000);
});

import { Client as PgClient } from 'pg';
import { createClient, type Client } from 'graphql-ws';
import request from 'supertest';
import WebSocket from 'ws';
import { JobStatus } from '../../src/job-queue';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/database';
import { type SlowHost, spawnSlowHost, within } from '../support/slow-host-process';
import { PROGRESS_SUBSCRIPTION, subscribe } from '../support/subscriptions';
import { waitFor } from '../support/test-app';

const JOB_UPDATED = 'subscription { jobUpdated { id status } }';

/**
 * Issue 11, 1(b) and 1(c): faults in the event path must never take a process down. Each case runs a real service
 * process (test/support/slow-host.ts): an uncaught exception or unhandled rejection there ends it with exit 1, which
 * jest's own handlers would hide in-process. Each then proves the process still serves and finishes a job.
 */
describePostgres('Faults in the event path leave the process serving (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: PgClient;
  let host: SlowHost | undefined;
  let port: number;
  const clients: Client[] = [];

  const wsClient = () => {
    const client = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    clients.push(client);
    return client;
  };
  const notify = (payload: string) => db.query(`SELECT pg_notify('file_jobs_events', $1)`, [payload]);
  const uploadTo = async (name: string): Promise<string> => {
    const response = await request(`http://127.0.0.1:${port}`)
      .post('/files')
      .attach('file', Buffer.from('some text'), name)
      .expect(201);
    return response.body.job.id;
  };
  const alive = () => host!.process.exitCode === null && host!.process.signalCode === null;
  const statusOf = async (jobId: string) =>
    (await db.query(`SELECT status FROM processing_jobs WHERE id = $1`, [jobId])).rows[0]?.status;
  /**
   * The process still answers, runs new jobs to COMPLETED, and a jobUpdated subscriber opened now sees them (new
   * uploads until one is seen: the subscription goes live on the server at a moment the client is not told).
   */
  const expectServing = async (): Promise<string[]> => {
    expect(alive()).toBe(true);
    const watcher = subscribe(
      wsClient(),
      'subscription { jobUpdated(filter: { status: [COMPLETED] }) { id status } }',
      {},
      'jobUpdated',
    );
    const uploaded: string[] = [];
    await waitFor(
      async () => {
        if (uploaded.length === 0 || (await statusOf(uploaded.at(-1)!)) === JobStatus.COMPLETED)
          uploaded.push(await uploadTo('after.txt'));
        return watcher.updates.some((update) => uploaded.includes(update.id));
      },
      30_000,
      200,
    );
    expect(alive()).toBe(true);
    return uploaded;
  };

  beforeEach(async () => {
    database = await createTestDatabase();
    host = spawnSlowHost(database, { SHUTDOWN_TIMEOUT_MS: '500' });
    port = await host.ready;
    db = new PgClient({ connectionString: database.url });
    await db.connect();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map(async (client) => client.dispose()));
    if (host && alive()) host.process.kill('SIGKILL');
    await host?.exited;
    host = undefined;
    await db?.end();
    await database?.drop();
  });

  it('1(b): a NOTIFY that is JSON but not an array, or malformed messages in an array, are logged and skipped', async () => {
    // Listeners of job.changed exist on both paths: a jobUpdated subscriber and a jobProgress watcher.
    const slowJob = await uploadTo('long.slow');
    const progress = subscribe(wsClient(), PROGRESS_SUBSCRIPTION, { jobId: slowJob }, 'jobProgress');
    const updated = subscribe(wsClient(), JOB_UPDATED, {}, 'jobUpdated');
    await progress.firstUpdate;

    await notify('{"topic":"job.changed"}');
    await notify('"just a string"');
    await notify('null');
    // Inside an array: not objects, no payload, and payloads whose listeners throw (changes is not an array).
    await notify(
      JSON.stringify([
        5,
        null,
        'x',
        { topic: 'job.changed' },
        { topic: 'job.changed', payload: { changes: 7 } },
        { topic: 'job.progress', payload: null },
      ]),
    );
    await notify(
      JSON.stringify([{ topic: 'job.changed', payload: { changes: [null, { jobId: slowJob, status: 'COMPLETED' }] } }]),
    );
    await notify('z!!!not base64 deflate');

    const uploaded = await expectServing();
    // The subscription opened before the bad payloads still works: it sees the new job complete.
    await waitFor(() =>
      updated.updates.some((update) => uploaded.includes(update.id) && update.status === JobStatus.COMPLETED),
    );
  });

  it('1(c): a database error while a jobProgress subscriber watches a job ends that subscription with an error, not the process', async () => {
    const slowJob = await uploadTo('long.slow');
    await waitFor(async () => (await statusOf(slowJob)) === JobStatus.PROCESSING, 30_000);
    const progress = subscribe(wsClient(), PROGRESS_SUBSCRIPTION, { jobId: slowJob }, 'jobProgress');
    await progress.firstUpdate;

    // The outage as ProgressService sees it: its read of the watched job fails. A status change of that job (as
    // another instance would send it) makes it read.
    await db.query('ALTER TABLE processing_jobs RENAME TO processing_jobs_away');
    try {
      const change = {
        jobId: slowJob,
        status: 'PROCESSING',
        format: 'slow',
        priority: 2,
        userId: null,
        createdAt: new Date().toISOString(),
      };
      await notify(JSON.stringify([{ topic: 'job.changed', payload: { changes: [change] } }]));
      const failure = await within(
        progress.finished.then(
          () => null,
          (error: Error) => error,
        ),
        30_000,
        'the jobProgress subscription to end',
      );
      expect(alive()).toBe(true);
      expect(failure?.message).toMatch(/could not read job .* events may have been missed/i);
    } finally {
      await db.query('ALTER TABLE processing_jobs_away RENAME TO processing_jobs');
    }
    await expectServing();
  });
});

import { createClient, type Client } from 'graphql-ws';
import request from 'supertest';
import WebSocket from 'ws';
import { ANONYMOUS_ADMIN } from '../../src/job-queue';
import { JobUpdatesService, MAX_UNREAD_JOB_UPDATES } from '../../src/job-queue/jobs/job-updates.service';
import { CANCEL_JOB, gqlData } from '../support/api-helpers';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { enqueueJobs, storeFile } from '../support/queue-helpers';
import { spawnSlowHost, within } from '../support/slow-host-process';
import { liveSubscribers } from '../support/live-subscribers';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';
import type { QueueStore } from '../../src/job-queue/database/queue-store';
import { QUEUE_DRIVER } from '../../src/job-queue/job-queue.constants';

describe(`jobUpdated: one shared read per event batch, bounded per subscriber (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  let fileId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, { queue: { workersEnabled: false } });
    fileId = await storeFile(service.app, 'a.txt');
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  const enqueueProbe = async () => (await enqueueJobs(service.app, fileId, 1))[0].id;

  it.each([1, 200])('reads the changed jobs once per event batch with %i subscriber(s)', async (subscribers) => {
    const runs = await liveSubscribers(subscribers, () => service.wsClient(), enqueueProbe);
    const cancelled = (await enqueueJobs(service.app, fileId, 10)).map((job) => job.id);
    await waitFor(() => runs.every((run) => cancelled.every((id) => run.updates.some((update) => update.id === id))));

    // Counted at the queue store itself: every findJobs is a read of changed jobs (what jobUpdated makes).
    const findJobs = jest.spyOn(service.app.get<QueueStore>(QUEUE_DRIVER), 'findJobs');
    try {
      // Each cancel publishes its own batch (one message, one change); the next waits until all have it.
      for (const id of cancelled) {
        await gqlData(service, CANCEL_JOB, { id });
        await waitFor(
          () => runs.every((run) => run.updates.some((update) => update.id === id && update.status === 'CANCELLED')),
          15_000,
          5,
        );
      }
      expect(findJobs).toHaveBeenCalledTimes(cancelled.length);
    } finally {
      findJobs.mockRestore();
    }
    for (const run of runs) {
      expect(run.updates.filter((update) => cancelled.includes(update.id)).map((update) => update.status)).toEqual([
        ...cancelled.map(() => 'PENDING'),
        ...cancelled.map(() => 'CANCELLED'),
      ]);
      run.cancel();
    }
    await waitFor(() => service.app.get(JobUpdatesService).subscriberCount === 0);
  });

  it(`ends a subscriber that leaves more than ${MAX_UNREAD_JOB_UPDATES} updates unread with an error, and the others get every update`, async () => {
    const [reader] = await liveSubscribers(1, () => service.wsClient(), enqueueProbe);
    const stuck = await service.app.get(JobUpdatesService).watch(undefined, ANONYMOUS_ADMIN);
    // In batches of 1,000 jobs (1,000 updates at once), each read by the live subscriber before the next: it keeps
    // up, the stuck one falls behind by all of them.
    const seen = new Set<string>();
    for (let sent = 0; sent <= MAX_UNREAD_JOB_UPDATES; sent += 1000) {
      const batch = await enqueueJobs(service.app, fileId, 1000);
      await waitFor(() => {
        for (const update of reader.updates.splice(0)) seen.add(update.id);
        return batch.every((job) => seen.has(job.id));
      }, 30_000);
    }

    await expect(stuck.next()).rejects.toThrow(`left more than ${MAX_UNREAD_JOB_UPDATES} updates unread`);
    await expect(stuck.next()).resolves.toEqual({ done: true, value: undefined });
    expect(service.app.get(JobUpdatesService).subscriberCount).toBe(1);
    reader.cancel();
  });
});

describe(`SIGTERM with 200 jobUpdated subscribers connected (${databaseLabel})`, () => {
  let database: TestDatabase;
  const clients: Client[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await Promise.all(clients.splice(0).map(async (client) => client.dispose()));
    await database?.drop();
  });

  it('exits within its shutdown timeout, and every subscriber is ended', async () => {
    const shutdownTimeoutMs = 2_000;
    const host = spawnSlowHost(database, { SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs) });
    try {
      const port = await host.ready;
      const upload = async (name: string) =>
        (
          await request(`http://127.0.0.1:${port}`)
            .post('/files')
            .attach('file', Buffer.from('some text'), name)
            .expect(201)
        ).body.job.id as string;
      const connect = () => {
        const client = createClient({
          url: `ws://127.0.0.1:${port}/graphql`,
          webSocketImpl: WebSocket,
          retryAttempts: 0,
        });
        clients.push(client);
        return client;
      };
      const runs = await liveSubscribers(200, connect, () => upload('probe.txt'));
      await upload('long.slow'); // runs past the shutdown timeout: the drain waits for it, then gives it up
      // And a burn-down under way, whose every update goes to all 200 subscribers.
      const fileId: string = (
        await request(`http://127.0.0.1:${port}`)
          .post('/files')
          .attach('file', Buffer.from('text'), 'many.txt')
          .expect(201)
      ).body.file.id;
      const enqueue = await request(`http://127.0.0.1:${port}`)
        .post('/graphql')
        .send({
          query: 'mutation($inputs: [EnqueueJobInput!]!) { enqueueJobs(inputs: $inputs) { id } }',
          variables: { inputs: Array.from({ length: 1000 }, () => ({ fileId })) },
        })
        .expect(200);
      expect(enqueue.body.data.enqueueJobs).toHaveLength(1000);
      await waitFor(
        () => runs.every((run) => run.updates.filter((update) => update.status === 'COMPLETED').length >= 50),
        60_000,
        100,
      );

      const started = Date.now();
      host.process.kill('SIGTERM');
      await within(host.exited, shutdownTimeoutMs + 10_000, 'the service to exit after SIGTERM');
      const exitMs = Date.now() - started;
      const endings = await within(
        Promise.all(
          runs.map((run) =>
            run.finished.then(
              () => 'completed',
              (error) => String(error?.code ?? error?.message),
            ),
          ),
        ),
        10_000,
        'every subscription to end',
      );
      expect(exitMs).toBeLessThan(shutdownTimeoutMs + 5_000);
      expect(new Set(endings)).toEqual(new Set(['1001'])); // "going away": the server closed each connection as it left
    } finally {
      if (host.process.exitCode === null && host.process.signalCode === null) host.process.kill('SIGKILL');
    }
  });
});

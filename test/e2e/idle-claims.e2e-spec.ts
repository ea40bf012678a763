import type { QueueStore } from '../../src/job-queue/database/queue-store';
import { QUEUE_DRIVER } from '../../src/job-queue/job-queue.constants';
import { createTestDatabase, databaseLabel, describePostgres, type TestDatabase } from '../support/database';
import { enqueueJobs, heldProcessor, recordingProcessor, storeFile } from '../support/queue-helpers';
import { workersIdle } from '../support/signals';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

/** Longer than any wait below: a job that starts did not wait for the fallback poll. */
const POLL_MS = 60_000;
const SINGLE_JOBS = 5;

/** Counts the claims of an app's worker pool: its store's own claim, called through. */
function countClaims(service: TestApp): jest.SpyInstance {
  return jest.spyOn(service.app.get<QueueStore>(QUEUE_DRIVER), 'claim');
}

/**
 * A pool whose last claim found fewer due jobs than free slots sleeps until the next due job, the poll or a wake-up
 * (an enqueue, a retry, jobs given back): a slot freeing meanwhile is no reason to claim. Before, every job that
 * started or ended woke the loop to claim again, and with jobs arriving one at a time each cost three claims and
 * three next-due queries.
 */
describe(`Claims of a pool that found the queue empty (${databaseLabel})`, () => {
  let database: TestDatabase;
  const services: TestApp[] = [];
  const quick = recordingProcessor('quick');
  const held = heldProcessor();

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    held.release();
    for (const service of services.splice(0)) await service.close();
    await database?.drop();
  });

  const start = async () => {
    const service = await startTestApp(database, {
      queue: { workerConcurrency: 4, pollIntervalMs: POLL_MS },
      providers: [quick.processor, held.processor],
    });
    services.push(service);
    return service;
  };

  it(`makes one claim for each of ${SINGLE_JOBS} jobs enqueued one at a time`, async () => {
    const service = await start();
    const claims = countClaims(service);
    await workersIdle([service.app]);
    claims.mockClear();
    const fileId = await storeFile(service.app, 'one.quick');
    for (let index = 0; index < SINGLE_JOBS; index++) {
      const [job] = await enqueueJobs(service.app, fileId, 1);
      await waitFor(() => quick.log.finished.has(job.id));
      await workersIdle([service.app]);
    }
    expect(claims).toHaveBeenCalledTimes(SINGLE_JOBS); // 13 before, when each job's start and end woke the loop
    expect(claims.mock.calls.every(([, limit]) => limit === 4)).toBe(true);
  });

  it('still starts at once a job enqueued while another runs', async () => {
    const [service] = services;
    const [long] = await enqueueJobs(service.app, await storeFile(service.app, 'long.held'), 1);
    await waitFor(() => held.started.has(long.id));
    const [next] = await enqueueJobs(service.app, await storeFile(service.app, 'next.quick'), 1);
    await waitFor(() => quick.log.finished.has(next.id), 5_000);
    held.release();
    await workersIdle([service.app]);
  });
});

describePostgres('Jobs given back at shutdown wake the other instances', () => {
  let database: TestDatabase;
  let stays: TestApp | undefined;
  let leaves: TestApp | undefined;
  const held = heldProcessor('handed');
  const takesOver = recordingProcessor('handed');

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    held.release();
    await leaves?.close();
    await stays?.close();
    await database?.drop();
  });

  it('runs a job released by an instance that shut down, long before the poll', async () => {
    leaves = await startTestApp(database, {
      queue: { pollIntervalMs: POLL_MS, shutdownTimeoutMs: 100 },
      providers: [held.processor],
    });
    const [job] = await enqueueJobs(leaves.app, await storeFile(leaves.app, 'job.handed'), 1);
    await waitFor(() => held.started.has(job.id));
    stays = await startTestApp(database, { queue: { pollIntervalMs: POLL_MS }, providers: [takesOver.processor] });
    await workersIdle([stays.app]); // claimed once at start, found nothing: sleeps out the poll

    await leaves.close(); // the held job ignores its abort: released to PENDING after the grace
    leaves = undefined;
    await waitFor(() => takesOver.log.finished.has(job.id), 10_000);
    expect(takesOver.log.starts).toEqual([job.id]);
  });
});

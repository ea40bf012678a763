import 'reflect-metadata';
import { attemptId } from '../../src/job-queue/database/queue-store';
import { JobsRepository } from '../../src/job-queue/jobs/jobs.repository';
import { ENQUEUE_JOBS, gqlData, gqlError, uploadFileId } from '../support/api-helpers';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { clockPasses } from '../support/signals';
import { subscribe } from '../support/subscriptions';
import { startTestApp, type TestApp } from '../support/test-app';

const PAGE = `query($filter: JobFilter, $first: Int, $after: String) {
  jobs(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
const ATTEMPTS = `query($first: Int) { jobs(first: $first) { edges { node { id attempts { number outcome workerId finishedAt } } } } }`;

/**
 * The additions for client caches (issue 15, point 3): Relay's PageInfo, ids typed ID, attempts read per request in
 * one query, and queueHealthChanged starting with the current health. Workers are off: the jobs stay as made.
 */
describe(`Cache-friendly API (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  let fileId: string;
  /** Newest first: 20 NORMAL jobs, then (older) 5 HIGH ones. */
  let newestFirst: string[];

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, {
      queue: { workersEnabled: false, healthCheckIntervalMs: 3_600_000 },
    });
    fileId = await uploadFileId(service, 'a.txt', 'text');
    const high = (await gqlData(service, ENQUEUE_JOBS, { inputs: Array(5).fill({ fileId, priority: 'HIGH' }) }))
      .enqueueJobs as { id: string; createdAt: string }[];
    await clockPasses(new Date(high[0].createdAt));
    const normal = (await gqlData(service, ENQUEUE_JOBS, { inputs: Array(20).fill({ fileId }) })).enqueueJobs as {
      id: string;
    }[];
    newestFirst = [...high, ...normal].map((job) => job.id).reverse();
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  const page = async (variables: Record<string, unknown>) => {
    const { jobs } = await gqlData(service, PAGE, variables);
    return {
      ids: jobs.edges.map((edge: any) => edge.node.id),
      cursors: jobs.edges.map((edge: any) => edge.cursor),
      ...jobs.pageInfo,
    };
  };

  it('PageInfo: startCursor is the first edge’s cursor; hasPreviousPage says whether a job comes before it', async () => {
    const first = await page({ first: 10 });
    expect(first.ids).toEqual(newestFirst.slice(0, 10));
    expect(first).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: first.cursors[0] });
    const second = await page({ first: 10, after: first.endCursor });
    expect(second.ids).toEqual(newestFirst.slice(10, 20));
    expect(second).toMatchObject({
      hasPreviousPage: true,
      startCursor: second.cursors[0],
      endCursor: second.cursors[9],
    });
    const last = await page({ first: 10, after: second.endCursor });
    expect(last).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const beyond = await page({ first: 10, after: last.endCursor });
    expect(beyond).toEqual({
      ids: [],
      cursors: [],
      hasNextPage: false,
      hasPreviousPage: true,
      startCursor: null,
      endCursor: null,
    });
    const none = await page({ first: 10, filter: { status: ['COMPLETED'] } });
    expect(none).toMatchObject({ ids: [], hasPreviousPage: false, startCursor: null, endCursor: null });
    // The filter applies: after the newest NORMAL job, no HIGH job comes before (all are older), so none is previous.
    const highAfter = await page({ first: 10, after: first.cursors[0], filter: { priority: ['HIGH'] } });
    expect(highAfter).toMatchObject({ ids: newestFirst.slice(20), hasPreviousPage: false }); // control: same cursor, no filter: true
    expect(await page({ first: 1, after: first.cursors[0] })).toMatchObject({ hasPreviousPage: true });
  });

  it('ids are ID: fileId is typed ID on ProcessingJob and EnqueueJobInput, and a string id is taken in an ID! variable', async () => {
    const { enqueueJob } = await gqlData(
      service,
      `mutation($fileId: ID!) { enqueueJob(input: { fileId: $fileId, runAt: "2999-01-01T00:00:00Z" }) { id fileId } }`,
      { fileId },
    );
    expect(enqueueJob.fileId).toBe(fileId);
    await service.prisma.client.processingJob.delete({ where: { id: enqueueJob.id } });
    const typeOf = async (type: string, field: string, kind: 'fields' | 'inputFields') => {
      const { __type } = await gqlData(
        service,
        `{ __type(name: "${type}") { ${kind} { name type { ofType { name } } } } }`,
      );
      return __type[kind].find((entry: { name: string }) => entry.name === field).type.ofType.name;
    };
    expect(await typeOf('ProcessingJob', 'fileId', 'fields')).toBe('ID');
    expect(await typeOf('EnqueueJobInput', 'fileId', 'inputFields')).toBe('ID');
    expect(await typeOf('ProgressUpdate', 'job', 'fields')).toBe('ProcessingJob');
    // The one deliberate break of contract revision 2: a variable declared String! no longer fits fileId.
    expect(
      await gqlError(service, `mutation($f: String!) { enqueueJob(input: { fileId: $f }) { id } }`, { f: fileId }),
    ).toMatchObject({ message: 'Variable "$f" of type "String!" used in position expecting type "ID!".' });
  });

  it('reads the attempts of a page of 20 jobs in one query, the running attempt included', async () => {
    const db = service.prisma.client;
    const [running, failedOnce] = newestFirst;
    await db.jobAttempt.create({
      data: {
        id: attemptId(failedOnce, 1),
        jobId: failedOnce,
        number: 1,
        startedAt: new Date(),
        finishedAt: new Date(),
        outcome: 'FAILED',
        workerId: 'w-1',
      },
    });
    await service.prisma.driver.records.overwriteJob(running, {
      status: 'PROCESSING',
      attemptCount: 1,
      startedAt: new Date(),
      leaseOwner: 'w-2',
    });
    const repository = service.app.get(JobsRepository);
    const batches = jest.spyOn(repository, 'attemptsOfMany');
    try {
      const { jobs } = await gqlData(service, ATTEMPTS, { first: 20 });
      const attempts = new Map(jobs.edges.map((edge: any) => [edge.node.id, edge.node.attempts]));
      expect(batches).toHaveBeenCalledTimes(1);
      expect(new Set(batches.mock.calls[0][0])).toEqual(new Set(newestFirst.slice(0, 20)));
      expect(attempts.get(running)).toEqual([{ number: 1, outcome: null, workerId: 'w-2', finishedAt: null }]);
      expect(attempts.get(failedOnce)).toEqual([
        expect.objectContaining({ number: 1, outcome: 'FAILED', workerId: 'w-1' }),
      ]);
      expect([...attempts.values()].filter((list: any) => list.length === 0)).toHaveLength(18);
      // Control: the spy sees every read, and requests do not share one: two requests, two reads.
      await Promise.all([gqlData(service, ATTEMPTS, { first: 3 }), gqlData(service, ATTEMPTS, { first: 3 })]);
      expect(batches).toHaveBeenCalledTimes(3);
      // The batched answer is the one-job answer.
      for (const id of [running, failedOnce, newestFirst[2]])
        expect(attempts.get(id)).toEqual(
          (await repository.attemptsOf(id)).map(({ number, outcome, workerId, finishedAt }) => ({
            number,
            outcome,
            workerId,
            finishedAt: finishedAt?.toISOString() ?? null,
          })),
        );
    } finally {
      batches.mockRestore();
      await db.jobAttempt.deleteMany({});
      await service.prisma.driver.records.overwriteJob(running, {
        status: 'PENDING',
        attemptCount: 0,
        startedAt: null,
        leaseOwner: null,
      });
    }
  });

  it('queueHealthChanged sends the current health at once, long before the next check (an hour away)', async () => {
    const run = subscribe<{ pendingCount: number; status: string }>(
      service.wsClient(),
      `subscription { queueHealthChanged { status pendingCount checkedAt } }`,
      {},
      'queueHealthChanged',
    );
    await run.firstUpdate;
    const { queueHealth } = await gqlData(service, `{ queueHealth { status pendingCount } }`);
    expect(run.updates).toEqual([expect.objectContaining(queueHealth)]);
    expect(queueHealth.pendingCount).toBe(25);
    run.cancel();
  });
});

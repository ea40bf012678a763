import 'reflect-metadata';
import { CANCEL_JOB, ENQUEUE_JOBS, gqlData, gqlError, JOBS, uploadFileId } from '../support/api-helpers';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { clockPasses } from '../support/signals';
import { startTestApp, type TestApp } from '../support/test-app';
import { JobsRepository } from '../../src/job-queue/jobs/jobs.repository';

interface Job {
  id: string;
  createdAt: string;
}

interface Page {
  ids: string[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
  cursors: string[];
}

/**
 * The jobs query over a known set of eight jobs, enqueued in three batches, each in a later millisecond:
 *   A = [txt LOW, md NORMAL (cancelled), pdf HIGH]   B = [txt HIGH (cancelled), txt NORMAL, md LOW]   C = [pdf NORMAL, txt LOW]
 * Newest first is C1 C0 B2 B1 B0 A2 A1 A0 (one batch shares createdAt; ids break the tie in creation order).
 */
describe(`GraphQL jobs query: order, cursor pagination, filters (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  let A: Job[];
  let B: Job[];
  let C: Job[];

  const page = async (variables: Record<string, unknown>): Promise<Page> => {
    const { jobs } = await gqlData(service, JOBS, variables);
    const ids = jobs.edges.map((edge: any) => edge.node.id);
    const cursors = jobs.edges.map((edge: any) => edge.cursor);
    return {
      ids,
      cursors,
      hasNextPage: jobs.pageInfo.hasNextPage,
      endCursor: jobs.pageInfo.endCursor,
      totalCount: jobs.totalCount,
    };
  };
  const ids = (...jobs: Job[]) => jobs.map((job) => job.id);
  const newestFirst = () => ids(C[1], C[0], B[2], B[1], B[0], A[2], A[1], A[0]);

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, { queue: { workersEnabled: false } });
    const txt = await uploadFileId(service, 'a.txt', 'text');
    const md = await uploadFileId(service, 'b.md', '# md');
    const pdf = await uploadFileId(service, 'c.pdf', '%PDF-1.4\n');
    let previous: Job[] = [];
    const batch = async (inputs: [string, string][]) => {
      if (previous.length > 0) await clockPasses(new Date(previous[0].createdAt));
      previous = (
        await gqlData(service, ENQUEUE_JOBS, { inputs: inputs.map(([fileId, priority]) => ({ fileId, priority })) })
      ).enqueueJobs;
      return previous;
    };
    A = await batch([
      [txt, 'LOW'],
      [md, 'NORMAL'],
      [pdf, 'HIGH'],
    ]);
    B = await batch([
      [txt, 'HIGH'],
      [txt, 'NORMAL'],
      [md, 'LOW'],
    ]);
    C = await batch([
      [pdf, 'NORMAL'],
      [txt, 'LOW'],
    ]);
    for (const job of [A[1], B[0]]) await gqlData(service, CANCEL_JOB, { id: job.id });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('lists newest first', async () => {
    expect(new Set([A[0].createdAt, B[0].createdAt, C[0].createdAt]).size).toBe(3);
    expect(await page({ first: 20 })).toMatchObject({ ids: newestFirst(), hasNextPage: false, totalCount: 8 });
  });

  it('walks every job exactly once with first/after, with hasNextPage, endCursor and totalCount on each page', async () => {
    const pages: Page[] = [];
    let after: string | undefined;
    do {
      pages.push(await page({ first: 3, after }));
      after = pages.at(-1)!.endCursor ?? undefined;
    } while (pages.at(-1)!.hasNextPage && pages.length < 10);
    expect(pages.map((p) => [p.ids.length, p.hasNextPage, p.totalCount])).toEqual([
      [3, true, 8],
      [3, true, 8],
      [2, false, 8],
    ]);
    for (const p of pages) expect(p.endCursor).toBe(p.cursors.at(-1));
    expect(pages.flatMap((p) => p.ids)).toEqual(newestFirst());
  });

  it('resumes after any edge cursor with the jobs that follow it', async () => {
    const all = await page({ first: 8 });
    expect(all).toMatchObject({ hasNextPage: false, totalCount: 8 });
    for (const [index, cursor] of all.cursors.entries()) {
      expect((await page({ first: 20, after: cursor })).ids).toEqual(newestFirst().slice(index + 1));
    }
  });

  it('hasNextPage is exact at the boundary; first: 0 gives no edges and no endCursor', async () => {
    expect(await page({ first: 7 })).toMatchObject({
      ids: newestFirst().slice(0, 7),
      hasNextPage: true,
      totalCount: 8,
    });
    expect(await page({ first: 100 })).toMatchObject({ ids: newestFirst(), hasNextPage: false, totalCount: 8 });
    expect(await page({ first: 0 })).toEqual({
      ids: [],
      cursors: [],
      hasNextPage: true,
      endCursor: null,
      totalCount: 8,
    });
  });

  it.each([
    ['status CANCELLED', { status: ['CANCELLED'] }, () => ids(B[0], A[1])],
    ['status PENDING', { status: ['PENDING'] }, () => ids(C[1], C[0], B[2], B[1], A[2], A[0])],
    ['status COMPLETED (none)', { status: ['COMPLETED'] }, () => []],
    ['format PDF (any case)', { format: ['PDF'] }, () => ids(C[0], A[2])],
    ['format md or txt', { format: ['md', 'txt'] }, () => ids(C[1], B[2], B[1], B[0], A[1], A[0])],
    ['priority HIGH', { priority: ['HIGH'] }, () => ids(B[0], A[2])],
    ['priority LOW or HIGH', { priority: ['LOW', 'HIGH'] }, () => ids(C[1], B[2], B[0], A[2], A[0])],
    ['PENDING txt LOW', { status: ['PENDING'], format: ['txt'], priority: ['LOW'] }, () => ids(C[1], A[0])],
  ])('filters by %s', async (_case, filter, expected) => {
    const result = await page({ filter, first: 20 });
    expect(result).toMatchObject({ ids: expected(), hasNextPage: false, totalCount: expected().length });
  });

  it('filters by createdAfter (inclusive) and createdBefore (exclusive)', async () => {
    const between = await page({ filter: { createdAfter: B[0].createdAt, createdBefore: C[0].createdAt } });
    expect(between).toMatchObject({ ids: ids(B[2], B[1], B[0]), totalCount: 3 });
    expect((await page({ filter: { createdAfter: C[0].createdAt } })).ids).toEqual(ids(C[1], C[0]));
    expect((await page({ filter: { createdBefore: B[0].createdAt } })).ids).toEqual(ids(A[2], A[1], A[0]));
  });

  it('paginates within a filter', async () => {
    const filter = { status: ['PENDING'] };
    const first = await page({ filter, first: 4 });
    const second = await page({ filter, first: 4, after: first.endCursor });
    expect([first, second].map((p) => [p.hasNextPage, p.totalCount])).toEqual([
      [true, 6],
      [false, 6],
    ]);
    expect([...first.ids, ...second.ids]).toEqual(ids(C[1], C[0], B[2], B[1], A[2], A[0]));
  });

  // Over every owner, totalCount is the tallies' sum (test/database/job-counts.spec.ts keeps them exact); by creation
  // time or owner the tallies cannot answer, so the jobs are counted. A tally row added here by hand shows which
  // source answered; without it every count above is also the jobs' own.
  it('totalCount over every owner sums the job_counts tallies; by creation time it counts the jobs', async () => {
    const db = service.prisma.client;
    await db.$executeRawUnsafe(
      `INSERT INTO job_counts (shard, status, format, priority, count) VALUES (999, 'PENDING', 'txt', 1, 100)`,
    );
    try {
      expect((await page({ first: 0 })).totalCount).toBe(108);
      expect((await page({ first: 0, filter: { status: ['PENDING'], format: ['TXT'] } })).totalCount).toBe(103);
      expect((await page({ first: 0, filter: { priority: ['HIGH'] } })).totalCount).toBe(2);
      expect((await page({ first: 0, filter: { createdAfter: A[0].createdAt } })).totalCount).toBe(8);
    } finally {
      await db.$executeRawUnsafe(`DELETE FROM job_counts WHERE shard = 999`);
    }
    expect((await page({ first: 0 })).totalCount).toBe(8);
  });

  it('counts the total beside the page when it is asked for (through a fragment too), and not at all when not', async () => {
    const repository = service.app.get(JobsRepository);
    const events: string[] = [];
    const list = repository.list.bind(repository);
    const count = repository.count.bind(repository);
    const listed = jest.spyOn(repository, 'list').mockImplementation(async (...args) => {
      events.push('page asked');
      const jobs = await list(...args);
      events.push('page back');
      return jobs;
    });
    const counted = jest.spyOn(repository, 'count').mockImplementation((...args) => {
      events.push('count asked');
      return count(...args);
    });
    try {
      const withFragment = `query { jobs(first: 2) { ...Total edges { node { id } } } }
        fragment Total on JobConnection { totalCount }`;
      expect((await gqlData(service, withFragment)).jobs).toEqual({
        totalCount: 8,
        edges: ids(C[1], C[0]).map((id) => ({ node: { id } })),
      });
      // Left to totalCount's field resolver, the count was asked for only once the page was back.
      expect(events).toEqual(['count asked', 'page asked', 'page back']);
      events.length = 0;
      await gqlData(service, `{ jobs(first: 1) { edges { node { id } } } }`);
      expect(events).toEqual(['page asked', 'page back']);
    } finally {
      listed.mockRestore();
      counted.mockRestore();
    }
  });

  it.each([
    ['first above 100', { first: 101 }, 'first'],
    ['a negative first', { first: -1 }, 'first'],
    ['the cursor "abc"', { after: 'abc' }, 'Malformed cursor'],
    [
      'a base64 cursor of garbage',
      { after: Buffer.from('definitely not a cursor').toString('base64') },
      'Malformed cursor',
    ],
    [
      'a base64 cursor of binary bytes',
      { after: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]).toString('base64') },
      'Malformed cursor',
    ],
    [
      'a cursor with a non-numeric time',
      { after: Buffer.from('later:cabc').toString('base64url') },
      'Malformed cursor',
    ],
  ])('rejects %s with BAD_USER_INPUT', async (_case, variables, named) => {
    const error = await gqlError(service, JOBS, variables);
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain(named);
    expect(error.data).toBeNull();
  });
});

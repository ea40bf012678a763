import 'reflect-metadata';
import {
  CANCEL_JOB,
  ENQUEUE_JOB,
  ENQUEUE_JOBS,
  gqlData,
  gqlError,
  JOB,
  JOBS,
  RETRY_JOB,
  storageContents,
  totalJobs,
  upload,
  uploadFileId,
} from '../support/api-helpers';
import { databaseLabel, type TestDatabase } from '../support/database';
import { PROGRESS_SUBSCRIPTION, subscribe } from '../support/subscriptions';
import { type TestApp, useTestApp } from '../support/test-app';

/** JSON nested `depth` levels: {"a":{"a":...{}}}. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\ud800b';
const cursorOf = (raw: string) => Buffer.from(raw, 'utf8').toString('base64url');

/**
 * Input that used to reach the database and come back as INTERNAL_SERVER_ERROR (issue 11, point 8): NUL
 * characters (PostgreSQL refuses them in text and jsonb), lone surrogates, dates outside 0001-01-01 ..
 * 9999-12-31, an impossible cursor time, options nested 3,000 levels (a stack overflow) or too large. Each one is
 * BAD_USER_INPUT naming its field, on both databases alike, and changes nothing.
 */
describe(`bad input is BAD_USER_INPUT naming the field (${databaseLabel})`, () => {
  let service: TestApp;
  let database: TestDatabase;
  let fileId: string;
  useTestApp({ queue: { workersEnabled: false } }, (started) => ({ service, database } = started));
  beforeAll(async () => {
    fileId = await uploadFileId(service);
  });

  describe('GraphQL arguments', () => {
    it.each<[string, string, () => Record<string, unknown>, string]>([
      ['job(id) with NUL', JOB, () => ({ id: NUL }), 'id'],
      ['job(id) with a lone surrogate', JOB, () => ({ id: LONE_SURROGATE }), 'id'],
      ['cancelJob(id) with NUL', CANCEL_JOB, () => ({ id: NUL }), 'id'],
      ['retryJob(id) with NUL', RETRY_JOB, () => ({ id: NUL }), 'id'],
      ['jobs filter.userId with NUL', JOBS, () => ({ filter: { userId: NUL } }), 'filter.userId'],
      ['jobs filter.format with NUL', JOBS, () => ({ filter: { format: ['txt', NUL] } }), 'filter.format'],
      [
        'jobs filter.createdAfter 0000-01-01',
        JOBS,
        () => ({ filter: { createdAfter: '0000-01-01T00:00:00.000Z' } }),
        'filter.createdAfter',
      ],
      [
        'jobs filter.createdBefore +275760-09-13',
        JOBS,
        () => ({ filter: { createdBefore: '+275760-09-13T00:00:00.000Z' } }),
        'filter.createdBefore',
      ],
      ['jobs after: a cursor with NUL', JOBS, () => ({ after: NUL }), 'after'],
      [
        'jobs after: a well-formed cursor at an impossible time',
        JOBS,
        () => ({ after: cursorOf('999999999999999:cabc') }),
        'after',
      ],
      ['enqueueJob fileId with NUL', ENQUEUE_JOB, () => ({ input: { fileId: NUL } }), 'fileId'],
      [
        'enqueueJob idempotencyKey with NUL',
        ENQUEUE_JOB,
        () => ({ input: { fileId, idempotencyKey: NUL } }),
        'idempotencyKey',
      ],
      [
        'enqueueJob idempotencyKey with a lone surrogate',
        ENQUEUE_JOB,
        () => ({ input: { fileId, idempotencyKey: LONE_SURROGATE } }),
        'idempotencyKey',
      ],
      [
        'enqueueJob options with a NUL value',
        ENQUEUE_JOB,
        () => ({ input: { fileId, options: { note: NUL } } }),
        'options',
      ],
      [
        'enqueueJob options with a NUL key',
        ENQUEUE_JOB,
        () => ({ input: { fileId, options: { [NUL]: 1 } } }),
        'options',
      ],
      [
        'enqueueJob options with a lone surrogate',
        ENQUEUE_JOB,
        () => ({ input: { fileId, options: { note: LONE_SURROGATE } } }),
        'options',
      ],
      [
        'enqueueJob options nested 3,000 levels',
        ENQUEUE_JOB,
        () => ({ input: { fileId, options: nested(3000) } }),
        'options',
      ],
      [
        'enqueueJob options of 80 KB',
        ENQUEUE_JOB,
        () => ({ input: { fileId, options: { text: 'x'.repeat(80_000) } } }),
        'options',
      ],
      [
        'enqueueJob runAt 0000-01-01',
        ENQUEUE_JOB,
        () => ({ input: { fileId, runAt: '0000-01-01T00:00:00.000Z' } }),
        'runAt',
      ],
      [
        'enqueueJob runAt +275760-09-13',
        ENQUEUE_JOB,
        () => ({ input: { fileId, runAt: '+275760-09-13T00:00:00.000Z' } }),
        'runAt',
      ],
      [
        'enqueueJobs inputs[1].fileId with NUL',
        ENQUEUE_JOBS,
        () => ({ inputs: [{ fileId }, { fileId: NUL }] }),
        'inputs.1.fileId',
      ],
    ])('%s', async (_case, query, variables, field) => {
      const before = await totalJobs(service);
      const error = await gqlError(service, query, variables());
      expect(error.code).toBe('BAD_USER_INPUT');
      expect(error.message).toContain(field);
      expect(await totalJobs(service)).toBe(before);
    });

    it('control: the edges of the documented date range and options 20 levels deep are accepted', async () => {
      const input = { fileId, runAt: '9999-12-31T23:59:59.999Z', options: nested(20) };
      const job = (await gqlData(service, ENQUEUE_JOB, { input })).enqueueJob;
      expect(job).toMatchObject({ runAt: '9999-12-31T23:59:59.999Z', options: nested(20) });
      const filter = {
        createdAfter: '0001-01-01T00:00:00.000Z',
        createdBefore: '9999-12-31T23:59:59.999Z',
        userId: 'ünï 😀',
      };
      expect((await gqlData(service, JOBS, { filter })).jobs.totalCount).toBe(0);
    });
  });

  it.each([
    [
      'an inline options object nested 3,000 levels',
      (fileId: string) =>
        `mutation { enqueueJob(input: { fileId: "${fileId}", options: ${'{a:'.repeat(3000)}1${'}'.repeat(3000)} }) { id } }`,
    ],
    [
      'an inline list nested 20,000 levels',
      () => `{ jobs(filter: { format: ${'['.repeat(20_000)}"x"${']'.repeat(20_000)} }) { totalCount } }`,
    ],
  ])('%s in the query text: 400 BAD_USER_INPUT naming query, not a parser stack overflow', async (_case, query) => {
    const response = await service
      .http()
      .post('/graphql')
      .send({ query: query(fileId) });
    expect([response.status, response.body.errors]).toEqual([
      400,
      [
        {
          message: 'query must not nest {}, [] or () more than 100 levels deep',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ],
    ]);
  });

  it('the same over graphql-ws: an error naming query, not the socket closed with 4500', async () => {
    const query = `subscription { jobProgress(jobId: ${'['.repeat(20_000)}"x"${']'.repeat(20_000)}) { jobId } }`;
    const run = subscribe(service.wsClient(), query, {}, 'jobProgress');
    const failure = await run.finished.then(
      () => null,
      (error: { errors?: unknown[]; code?: number }) => error.errors ?? error.code,
    );
    expect(failure).toEqual([
      { message: 'query must not nest {}, [] or () more than 100 levels deep', extensions: { code: 'BAD_USER_INPUT' } },
    ]);
  });

  it.each([
    ['NUL', NUL],
    ['a lone surrogate', LONE_SURROGATE],
  ])('jobProgress(jobId) with %s over graphql-ws: BAD_USER_INPUT naming jobId', async (_case, jobId) => {
    const run = subscribe(service.wsClient(), PROGRESS_SUBSCRIPTION, { jobId }, 'jobProgress');
    const failure = await run.finished.then(
      () => null,
      (error: { errors?: { message: string; extensions?: { code?: string } }[] }) => error.errors?.[0],
    );
    expect(failure?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(failure?.message).toContain('jobId');
  });

  describe('POST /files fields', () => {
    it.each<[string, string, string]>([
      ['options nested 3,000 levels', JSON.stringify(nested(3000)), 'options'],
      ['options with NUL', JSON.stringify({ note: NUL }), 'options'],
      ['options with a lone surrogate escape', '{"note":"\\ud800"}', 'options'],
      ['options of 60 KB', JSON.stringify({ text: 'x'.repeat(60_000) }), 'options'],
    ])('%s: 400 naming the field, nothing kept', async (_case, options, field) => {
      const before = await service.prisma.client.storedFile.count();
      const response = await upload(service, { fields: { options } });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        statusCode: 400,
        code: 'BAD_USER_INPUT',
        message: expect.stringContaining(field),
      });
      expect(await service.prisma.client.storedFile.count()).toBe(before);
      expect(storageContents(database).stored).toHaveLength(before);
    });
  });
});

import type { Client } from 'graphql-ws';
import { MonitoringService } from '../../src/job-queue/monitoring/monitoring.service';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import {
  AUDIENCE,
  authSettings,
  HS256_SECRET,
  hs256,
  ISSUER,
  signedWsClient,
  startSignInApp,
  writeApiKeyFile,
} from '../support/sign-in';
import { PROGRESS_SUBSCRIPTION, subscribe } from '../support/subscriptions';
import { type TestApp, waitFor } from '../support/test-app';

type Headers = Record<string, string>;

const JOB = `query($id: ID!) { job(id: $id) { id userId } }`;
const JOBS = `{ jobs { totalCount edges { node { id userId } } } }`;
const ENQUEUE_JOB = `mutation($fileId: ID!) { enqueueJob(input: { fileId: $fileId }) { id userId } }`;
const ENQUEUE_JOBS = `mutation($a: ID!, $b: ID!) { enqueueJobs(inputs: [{ fileId: $a }, { fileId: $b }]) { id } }`;
const CANCEL_JOB = `mutation($id: ID!) { cancelJob(id: $id) { id status } }`;
const RETRY_JOB = `mutation($id: ID!) { retryJob(id: $id) { id status } }`;
const JOB_STATS = `{ jobStats { total byStatus { status count } byFormat { format count } } }`;
const QUEUE_HEALTH = `{ queueHealth { pendingCount processingCount failedCount stalledCount } }`;
const JOB_UPDATED = `subscription { jobUpdated { id userId status } }`;
const ADMIN_ONLY: Record<string, string> = {
  stalledJobs: `{ stalledJobs { id } }`,
  recoverStalledJobs: `mutation { recoverStalledJobs }`,
  cleanupJobs: `mutation { cleanupJobs(olderThanHours: 0) }`,
};

/**
 * Issue 12, point 3, with real credentials (HS256 tokens for users A and B, an admin API key): a non-admin sees and
 * acts on only their own jobs and files over HTTP, GraphQL and graphql-ws; the monitoring operations that act on
 * the whole queue are the admin's; an admin sees everything.
 */
describe(`Every operation scoped to its caller (${databaseLabel})`, () => {
  let database: TestDatabase;
  let app: TestApp;
  let a: Headers;
  let b: Headers;
  const admin: Headers = { 'x-api-key': 'ops-admin-key' };
  const clients: Client[] = [];
  /** A's jobs: two PENDING, one CANCELLED; a file of A's with no job. B's: one PENDING, one FAILED, a file. */
  const jobsOfA: string[] = [];
  let pendingOfB: string;
  let failedOfB: string;
  let fileOfA: string;
  let fileOfB: string;

  const gql = (headers: Headers, query: string, variables?: Record<string, unknown>) =>
    app.http().post('/graphql').set(headers).send({ query, variables });
  const errorCode = async (headers: Headers, query: string, variables?: Record<string, unknown>) => {
    const { body } = await gql(headers, query, variables);
    expect(body.errors).toHaveLength(1);
    return body.errors[0].extensions.code;
  };
  const upload = (headers: Headers, enqueue: boolean) =>
    app
      .http()
      .post('/files')
      .set(headers)
      .field('enqueue', String(enqueue))
      .attach('file', Buffer.from('some text'), 'notes.txt')
      .expect(201);
  const wsAs = (headers: Headers) => {
    const client = signedWsClient(app, { authorization: headers.authorization ?? headers['x-api-key'] });
    clients.push(client);
    return client;
  };
  const rejectedWith = (code: string) => ({
    errors: [expect.objectContaining({ extensions: expect.objectContaining({ code }) })],
  });
  const statusOf = async (id: string) =>
    (await app.prisma.client.processingJob.findUniqueOrThrow({ where: { id } })).status;

  beforeAll(async () => {
    database = await createTestDatabase();
    const apiKeysFile = writeApiKeyFile(database.dir, [{ key: 'ops-admin-key', userId: 'ops', admin: true }]);
    app = await startSignInApp(
      database,
      authSettings({ jwtSecret: HS256_SECRET, issuer: ISSUER, audience: AUDIENCE, apiKeysFile }),
    );
    a = { authorization: `Bearer ${await hs256({ sub: 'user-a' })}` };
    b = { authorization: `Bearer ${await hs256({ sub: 'user-b', roles: ['user'] })}` };
    for (let i = 0; i < 3; i++) jobsOfA.push((await upload(a, true)).body.job.id);
    expect((await gql(a, CANCEL_JOB, { id: jobsOfA[2] })).body.data.cancelJob.status).toBe('CANCELLED');
    fileOfA = (await upload(a, false)).body.file.id;
    pendingOfB = (await upload(b, true)).body.job.id;
    failedOfB = (await upload(b, true)).body.job.id;
    await app.prisma.driver.records.overwriteJob(failedOfB, { status: 'FAILED', completedAt: new Date() });
    fileOfB = (await upload(b, false)).body.file.id;
  });
  afterAll(async () => {
    await Promise.all(clients.map(async (client) => client.dispose()));
    await app?.close();
    await database?.drop();
  });

  it('POST /files: the file and its job belong to the uploader', async () => {
    const files = await app.prisma.client.storedFile.findMany({ select: { id: true, userId: true } });
    expect(files.find((file) => file.id === fileOfA)?.userId).toBe('user-a');
    expect(files.find((file) => file.id === fileOfB)?.userId).toBe('user-b');
    expect(files.filter((file) => file.userId === 'user-a')).toHaveLength(4);
    expect((await gql(a, JOB, { id: jobsOfA[0] })).body.data.job).toEqual({ id: jobsOfA[0], userId: 'user-a' });
  });

  it('job and jobs (totalCount too): A sees her own jobs only; B’s job answers NOT_FOUND, as an unknown one', async () => {
    const { body } = await gql(a, JOBS);
    expect(body.data.jobs.totalCount).toBe(3);
    expect(body.data.jobs.edges.map((edge: { node: { id: string } }) => edge.node.id).sort()).toEqual(
      [...jobsOfA].sort(),
    );
    expect(await errorCode(a, JOB, { id: pendingOfB })).toBe('NOT_FOUND');
    expect(await errorCode(a, JOB, { id: 'job_that_does_not_exist' })).toBe('NOT_FOUND');
    // A filter naming another user does not widen the scope.
    expect((await gql(a, `{ jobs(filter: { userId: "user-b" }) { totalCount } }`)).body.data.jobs.totalCount).toBe(0);
    expect((await gql(admin, JOBS)).body.data.jobs.totalCount).toBe(5);
  });

  it('jobStats and queueHealth count A’s jobs only (hand-counted); the admin’s count everyone’s', async () => {
    const stats = (await gql(a, JOB_STATS)).body.data.jobStats;
    expect(stats.total).toBe(3);
    expect(stats.byFormat).toEqual([{ format: 'txt', count: 3 }]);
    expect(
      Object.fromEntries(stats.byStatus.map((row: { status: string; count: number }) => [row.status, row.count])),
    ).toEqual({
      PENDING: 2,
      PROCESSING: 0,
      COMPLETED: 0,
      FAILED: 0,
      CANCELLED: 1,
      RETRYING: 0,
    });
    expect((await gql(a, QUEUE_HEALTH)).body).toEqual({
      data: { queueHealth: { pendingCount: 2, processingCount: 0, failedCount: 0, stalledCount: 0 } },
    });
    expect((await gql(b, QUEUE_HEALTH)).body.data.queueHealth).toMatchObject({ pendingCount: 1, failedCount: 1 });
    expect((await gql(admin, JOB_STATS)).body.data.jobStats.total).toBe(5);
    expect((await gql(admin, QUEUE_HEALTH)).body.data.queueHealth).toMatchObject({ pendingCount: 3, failedCount: 1 });
  });

  it('enqueueJob(s): B’s file is unknown to A, and nothing is enqueued', async () => {
    const before = await app.prisma.client.processingJob.count();
    const single = await gql(a, ENQUEUE_JOB, { fileId: fileOfB });
    expect(single.body.errors).toEqual([
      expect.objectContaining({ message: `Unknown fileId: ${fileOfB} (upload it with POST /files)` }),
    ]);
    expect(single.body.errors[0].extensions.code).toBe('BAD_USER_INPUT'); // as for a file that does not exist
    const batch = await gql(a, ENQUEUE_JOBS, { a: fileOfA, b: fileOfB });
    expect(batch.body.errors[0]).toMatchObject({
      message: `Unknown fileId: ${fileOfB} (upload it with POST /files)`,
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(await app.prisma.client.processingJob.count()).toBe(before);
  });

  it('cancelJob and retryJob: B’s jobs answer NOT_FOUND to A and stay as they were; the admin may act on them', async () => {
    expect(await errorCode(a, CANCEL_JOB, { id: pendingOfB })).toBe('NOT_FOUND');
    expect(await errorCode(a, RETRY_JOB, { id: failedOfB })).toBe('NOT_FOUND');
    expect(await statusOf(pendingOfB)).toBe('PENDING');
    expect(await statusOf(failedOfB)).toBe('FAILED');
    expect((await gql(admin, RETRY_JOB, { id: failedOfB })).body.data.retryJob).toEqual({
      id: failedOfB,
      status: 'PENDING',
    });
    expect((await gql(admin, CANCEL_JOB, { id: failedOfB })).body.data.cancelJob).toEqual({
      id: failedOfB,
      status: 'CANCELLED',
    });
  });

  it('stalledJobs, recoverStalledJobs, cleanupJobs: FORBIDDEN to a signed-in non-admin, nothing deleted; the admin runs them', async () => {
    const before = await app.prisma.client.processingJob.count();
    for (const [operation, query] of Object.entries(ADMIN_ONLY)) {
      const { body } = await gql(a, query);
      expect(body).toEqual({
        data: null,
        errors: [
          expect.objectContaining({
            message: `${operation} is for administrators`,
            extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
          }),
        ],
      });
    }
    expect(await app.prisma.client.processingJob.count()).toBe(before);
    expect((await gql(admin, ADMIN_ONLY.stalledJobs)).body).toEqual({ data: { stalledJobs: [] } });
    expect((await gql(admin, ADMIN_ONLY.recoverStalledJobs)).body).toEqual({ data: { recoverStalledJobs: 0 } });
    expect((await gql(admin, `mutation { cleanupJobs(olderThanHours: 1000) }`)).body).toEqual({
      data: { cleanupJobs: 0 },
    });
    // Without credentials: UNAUTHENTICATED, not FORBIDDEN.
    expect(await errorCode({}, ADMIN_ONLY.cleanupJobs)).toBe('UNAUTHENTICATED');
  });

  it('over graphql-ws: job, jobs, cancelJob and jobProgress on B’s job answer NOT_FOUND; queueHealthChanged is FORBIDDEN', async () => {
    const client = wsAs(a);
    await expect(subscribe(client, JOB, { id: pendingOfB }, 'job').finished).rejects.toMatchObject(
      rejectedWith('NOT_FOUND'),
    );
    expect((await subscribe(client, JOBS, {}, 'jobs').finished)[0].totalCount).toBe(3);
    await expect(subscribe(client, CANCEL_JOB, { id: pendingOfB }, 'cancelJob').finished).rejects.toMatchObject(
      rejectedWith('NOT_FOUND'),
    );
    await expect(
      subscribe(client, PROGRESS_SUBSCRIPTION, { jobId: pendingOfB }, 'jobProgress').finished,
    ).rejects.toMatchObject(rejectedWith('NOT_FOUND'));
    await expect(subscribe(client, JOB_STATS, {}, 'jobStats').finished).resolves.toEqual([
      expect.objectContaining({ total: 3 }),
    ]);
    await expect(
      subscribe(client, `subscription { queueHealthChanged { status } }`, {}, 'queueHealthChanged').finished,
    ).rejects.toMatchObject(rejectedWith('FORBIDDEN'));
    expect(await statusOf(pendingOfB)).toBe('PENDING');
  });

  it('jobUpdated: A hears her own jobs’ changes only; the admin hears B’s too; queueHealthChanged reaches the admin', async () => {
    const ofA = subscribe<{ id: string; userId: string }>(wsAs(a), JOB_UPDATED, {}, 'jobUpdated');
    const ofAdmin = subscribe<{ id: string; userId: string }>(wsAs(admin), JOB_UPDATED, {}, 'jobUpdated');
    // Live once A's own change arrives on both.
    const probe = (await upload(a, true)).body.job.id;
    await waitFor(() => ofA.updates.some((job) => job.id === probe) && ofAdmin.updates.some((job) => job.id === probe));
    const ofB = (await upload(b, true)).body.job.id;
    const lastOfA = (await upload(a, true)).body.job.id;
    await waitFor(
      () => ofA.updates.some((job) => job.id === lastOfA) && ofAdmin.updates.some((job) => job.id === lastOfA),
    );
    expect(ofAdmin.updates.map((job) => job.id)).toContain(ofB); // control: B's change was published
    expect(ofA.updates.map((job) => job.userId)).toEqual(ofA.updates.map(() => 'user-a'));
    expect(ofA.updates.map((job) => job.id)).not.toContain(ofB);
    ofA.cancel();
    ofAdmin.cancel();

    const health = subscribe<{ pendingCount: number }>(
      wsAs(admin),
      `subscription { queueHealthChanged { pendingCount } }`,
      {},
      'queueHealthChanged',
    );
    const monitoring = app.app.get(MonitoringService);
    await waitFor(async () => (await monitoring.runHealthCheck(), health.updates.length > 0));
    expect(health.updates[0].pendingCount).toBe(6); // everyone's: A 2 + 2 new, B 1 + 1 new (B's retried one was cancelled)
    health.cancel();
  });
});

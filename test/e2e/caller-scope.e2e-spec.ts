import type { CallerContext } from '../../src/job-queue';
import { databaseLabel } from '../support/database';
import { signedWsClient } from '../support/sign-in';
import { PROGRESS_SUBSCRIPTION, subscribe } from '../support/subscriptions';
import { type TestApp, useTestApp } from '../support/test-app';

/** A host rule: the caller is named by a header (of the HTTP or the upgrade request) and sees only its own jobs and files. */
const resolveCaller = ({ request }: CallerContext) => ({
  userId: (request.headers['x-user'] as string) ?? null,
  isAdmin: false,
});

describe(`Every operation is scoped to its caller (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({ queue: { workersEnabled: false, resolveCaller } }, (started) => ({ service } = started));

  const as = (user: string) => ({
    upload: async (name: string) =>
      (
        await service
          .http()
          .post('/files')
          .set('x-user', user)
          .field('enqueue', 'false')
          .attach('file', Buffer.from('x'), name)
          .expect(201)
      ).body.file.id as string,
    gql: async (query: string, variables: Record<string, unknown> = {}) =>
      (await service.http().post('/graphql').set('x-user', user).send({ query, variables })).body,
  });

  const ENQUEUE = `mutation($f: ID!, $k: String) { enqueueJob(input: { fileId: $f, idempotencyKey: $k }) { id userId fileName } }`;

  it('records the creator, and keeps jobs, files and idempotency keys apart between users', async () => {
    const alice = as('alice');
    const bob = as('bob');
    const aliceFile = await alice.upload('alice-private.txt');
    const bobFile = await bob.upload('bob.txt');

    const aliceJob = (await alice.gql(ENQUEUE, { f: aliceFile, k: 'nightly' })).data.enqueueJob;
    expect(aliceJob).toMatchObject({ userId: 'alice', fileName: 'alice-private.txt' });
    const bobJob = (await bob.gql(ENQUEUE, { f: bobFile, k: 'nightly' })).data.enqueueJob;
    expect(bobJob.id).not.toBe(aliceJob.id);
    expect(bobJob).toMatchObject({ userId: 'bob', fileName: 'bob.txt' });
    expect((await alice.gql(ENQUEUE, { f: aliceFile, k: 'nightly' })).data.enqueueJob.id).toBe(aliceJob.id);

    const stolen = await bob.gql(ENQUEUE, { f: aliceFile, k: null });
    expect(stolen.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const peek = await bob.gql(`query($id: ID!) { job(id: $id) { id } }`, { id: aliceJob.id });
    expect(peek.errors[0].extensions.code).toBe('NOT_FOUND');
    const cancel = await bob.gql(`mutation($id: ID!) { cancelJob(id: $id) { id } }`, { id: aliceJob.id });
    expect(cancel.errors[0].extensions.code).toBe('NOT_FOUND');

    const listed = await bob.gql(`{ jobs { totalCount edges { node { id } } } }`);
    expect(listed.data.jobs).toEqual({ totalCount: 1, edges: [{ node: { id: bobJob.id } }] });
    const filteredForOther = await bob.gql(`{ jobs(filter: { userId: "alice" }) { totalCount } }`);
    expect(filteredForOther.data.jobs.totalCount).toBe(0); // scope and filter both apply, as in jobUpdated
    const stats = await alice.gql(`{ jobStats { total } }`);
    expect(stats.data.jobStats.total).toBe(1);
  });

  it("keeps idempotency keys apart between users whose ids and keys contain ':' or '\\'", async () => {
    // Scoped as "<user>:<key>", user "a:b" with key "c" and user "a" with key "b:c" named one job: the second got the
    // first one's job back, another user's file and text included.
    const pairs: [string, string][] = [
      ['a:b', 'c'],
      ['a', 'b:c'],
      ['x\\', 'y'],
      ['x', '\\:y'],
    ];
    const jobs = [];
    for (const [index, [user, key]] of pairs.entries()) {
      const caller = as(user);
      const job = (await caller.gql(ENQUEUE, { f: await caller.upload(`file${index}.txt`), k: key })).data.enqueueJob;
      expect(job).toMatchObject({ userId: user, fileName: `file${index}.txt` });
      jobs.push(job.id as string);
    }
    expect(new Set(jobs).size).toBe(pairs.length);
    // Control: each key still names its own user's job when that user sends it again.
    for (const [index, [user, key]] of pairs.entries()) {
      const again = (await as(user).gql(ENQUEUE, { f: await as(user).upload('again.txt'), k: key })).data.enqueueJob;
      expect(again).toMatchObject({ id: jobs[index], userId: user, fileName: `file${index}.txt` });
    }
  });

  it('over graphql-ws the same rule reads the upgrade request: a subscriber follows its own jobs only', async () => {
    const alice = as('alice');
    const bob = as('bob');
    const cancelled = async (user: ReturnType<typeof as>, name: string) => {
      const job = (await user.gql(ENQUEUE, { f: await user.upload(name), k: null })).data.enqueueJob;
      expect(
        (await user.gql(`mutation($id: ID!) { cancelJob(id: $id) { status } }`, { id: job.id })).data.cancelJob.status,
      ).toBe('CANCELLED');
      return job.id as string;
    };
    const [aliceJob, bobJob] = [await cancelled(alice, 'a.txt'), await cancelled(bob, 'b.txt')];
    const ws = signedWsClient(service, undefined, { 'x-user': 'alice' });
    try {
      const own = await subscribe(ws, PROGRESS_SUBSCRIPTION, { jobId: aliceJob }, 'jobProgress').finished;
      expect(own).toEqual([expect.objectContaining({ jobId: aliceJob, status: 'CANCELLED' })]);
      await expect(
        subscribe(ws, PROGRESS_SUBSCRIPTION, { jobId: bobJob }, 'jobProgress').finished,
      ).rejects.toMatchObject({
        errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })],
      });
    } finally {
      await ws.dispose();
    }
  });
});

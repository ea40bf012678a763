import type { CallerContext } from '../../src/job-queue';
import { databaseLabel, type TestDatabase } from '../support/database';
import { type TestApp, useTestApp } from '../support/test-app';

/** A host rule: the caller is named by a header (of the HTTP or the upgrade request) and sees only its own jobs and files. */
const resolveCaller = ({ request }: CallerContext) => ({ userId: (request.headers['x-user'] as string) ?? null, isAdmin: false });

describe(`Every operation is scoped to its caller (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  useTestApp({ queue: { workersEnabled: false, resolveCaller } }, (started) => ({ service, database } = started));

  const as = (user: string) => ({
    upload: async (name: string) =>
      (await service.http().post('/files').set('x-user', user).field('enqueue', 'false').attach('file', Buffer.from('x'), name).expect(201)).body.file.id as string,
    gql: async (query: string, variables: Record<string, unknown> = {}) =>
      (await service.http().post('/graphql').set('x-user', user).send({ query, variables })).body,
  });

  const ENQUEUE = `mutation($f: String!, $k: String) { enqueueJob(input: { fileId: $f, idempotencyKey: $k }) { id userId fileName } }`;

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
    expect(filteredForOther.data.jobs.totalCount).toBe(1);
    const stats = await alice.gql(`{ jobStats { total } }`);
    expect(stats.data.jobStats.total).toBe(1);
  });
});

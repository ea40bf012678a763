import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import type { TestApp } from '../support/test-app';
import {
  AUDIENCE,
  authSettings,
  HS256_SECRET,
  hs256,
  ISSUER,
  startJwksServer,
  startSignInApp,
  writeApiKeyFile,
} from '../support/sign-in';

const JOBS = `{ jobs { totalCount edges { node { userId } } } }`;
const JOB = `query($id: ID!) { job(id: $id) { id userId } }`;

/** Sign-in over HTTP: GraphQL answers UNAUTHENTICATED, POST /files 401; a valid credential is the caller it names. */
describe(`Sign-in over HTTP (${databaseLabel})`, () => {
  let database: TestDatabase;
  beforeAll(async () => (database = await createTestDatabase()));
  afterAll(() => database?.drop());

  const gql = (app: TestApp, query: string, headers: Record<string, string>, variables?: Record<string, unknown>) =>
    app.http().post('/graphql').set(headers).send({ query, variables });
  const upload = (app: TestApp, headers: Record<string, string>) =>
    app
      .http()
      .post('/files')
      .set(headers)
      .field('enqueue', 'true')
      .attach('file', Buffer.from('some text'), 'notes.txt');
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  /** Every way in refuses `headers`: UNAUTHENTICATED for GraphQL, 401 for POST /files, and nothing is stored. */
  async function expectRefused(app: TestApp, headers: Record<string, string>, message: RegExp): Promise<void> {
    const filesBefore = await app.prisma.client.storedFile.count();
    const query = await gql(app, JOBS, headers);
    expect(query.body).toMatchObject({ data: null, errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(query.body.errors[0].message).toMatch(message);
    const mutation = await gql(app, `mutation { enqueueJob(input: { fileId: "x" }) { id } }`, headers);
    expect(mutation.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const files = await upload(app, headers);
    expect(files.status).toBe(401);
    expect(files.headers['www-authenticate']).toBe('Bearer');
    expect(files.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
    expect(await app.prisma.client.storedFile.count()).toBe(filesBefore);
  }

  describe('HS256 secret, issuer, audience and an API-key file', () => {
    let app: TestApp;
    beforeAll(async () => {
      const apiKeysFile = writeApiKeyFile(database.dir, [
        { key: 'bob-service-key', userId: 'bob' },
        { key: 'ops-admin-key', userId: 'ops', admin: true },
      ]);
      app = await startSignInApp(
        database,
        authSettings({ jwtSecret: HS256_SECRET, issuer: ISSUER, audience: AUDIENCE, apiKeysFile }),
      );
    });
    afterAll(() => app?.close());

    it('refuses missing, expired, wrongly signed, wrong-audience, wrong-issuer and unknown credentials', async () => {
      await expectRefused(app, {}, /^Sign in: send an API key .* or a JWT/);
      await expectRefused(app, bearer(await hs256({ sub: 'alice' }, { expiresIn: -120 })), /expired/);
      await expectRefused(
        app,
        bearer(await hs256({ sub: 'alice' }, {}, 'another-secret-of-thirty-two-bytes-or-more')),
        /not valid/,
      );
      await expectRefused(app, bearer(await hs256({ sub: 'alice' }, { audience: 'someone-else' })), /aud claim/);
      await expectRefused(app, bearer(await hs256({ sub: 'alice' }, { issuer: 'https://evil.example' })), /iss claim/);
      await expectRefused(app, bearer(await hs256({ roles: ['admin'] })), /no sub claim/);
      await expectRefused(app, bearer('not-a-token'), /not valid/); // neither a listed key nor a JWT
      await expectRefused(app, { 'x-api-key': 'guessed-key' }, /Unknown API key/);
    });

    it('a valid token or key is the user it names; admins (roles claim or key flag) see every job', async () => {
      const alice = bearer(await hs256({ sub: 'alice', roles: ['user', 'administrator'] }));
      const admin = bearer(await hs256({ sub: 'root', roles: 'admin' }));
      const bob = { 'x-api-key': 'bob-service-key' };

      const aliceUpload = await upload(app, alice).expect(201);
      expect(aliceUpload.body.job.userId).toBe('alice');
      const bobUpload = await upload(app, bob).expect(201);
      expect(bobUpload.body.job.userId).toBe('bob');
      expect((await gql(app, JOB, alice, { id: aliceUpload.body.job.id })).body.data.job.userId).toBe('alice');

      // Not admin: "administrator" is not "admin", so alice sees her own job only (bob's answers NOT_FOUND).
      expect((await gql(app, JOBS, alice)).body.data.jobs).toEqual({
        totalCount: 1,
        edges: [{ node: { userId: 'alice' } }],
      });
      expect((await gql(app, JOB, alice, { id: bobUpload.body.job.id })).body.errors[0].extensions.code).toBe(
        'NOT_FOUND',
      );
      expect((await gql(app, JOBS, bob)).body.data.jobs.totalCount).toBe(1);
      // jobStats and jobProgress resolve the caller the same way (async rule): alice's statistics are hers.
      expect((await gql(app, `{ jobStats { total } }`, alice)).body.data.jobStats.total).toBe(1);
      for (const adminHeaders of [admin, bearer('ops-admin-key'), { 'x-api-key': 'ops-admin-key' }]) {
        expect((await gql(app, JOBS, adminHeaders)).body.data.jobs.totalCount).toBe(2);
      }
    });
  });

  describe('a JWKS (ES256) served by the test', () => {
    let app: TestApp;
    let jwks: Awaited<ReturnType<typeof startJwksServer>>;
    let other: Awaited<ReturnType<typeof startJwksServer>>;
    beforeAll(async () => {
      jwks = await startJwksServer();
      other = await startJwksServer(); // same kid, another key: its tokens are wrongly signed for the first
      app = await startSignInApp(
        database,
        authSettings({ jwksUrl: jwks.url, audience: AUDIENCE, adminClaim: 'groups' }),
      );
    });
    afterAll(async () => {
      await app?.close();
      await Promise.all([jwks?.close(), other?.close()]);
    });

    it('verifies against the published keys: expired, foreign-signed and wrong-audience tokens are refused', async () => {
      await expectRefused(app, bearer(await jwks.sign({ sub: 'carol' }, { expiresIn: -120 })), /expired/);
      await expectRefused(app, bearer(await other.sign({ sub: 'carol' })), /not valid/);
      await expectRefused(app, bearer(await jwks.sign({ sub: 'carol' }, { audience: 'another-api' })), /aud claim/);
      await expectRefused(app, bearer(await hs256({ sub: 'carol' })), /not valid/); // HS256 is not accepted from a JWKS

      const carol = bearer(await jwks.sign({ sub: 'carol', groups: ['staff'] }));
      expect((await upload(app, carol).expect(201)).body.job.userId).toBe('carol');
      await upload(app, bearer(await jwks.sign({ sub: 'dave' }))).expect(201);
      expect((await gql(app, JOBS, carol)).body.data.jobs.totalCount).toBe(1);
      // The admin claim is the one AUTH_ADMIN_CLAIM names: `roles` means nothing here, `groups` does.
      expect(
        (await gql(app, JOBS, bearer(await jwks.sign({ sub: 'x', roles: ['admin'] })))).body.data.jobs.totalCount,
      ).toBe(0);
      const everyJob = await app.prisma.client.processingJob.count(); // the suites' database holds the HS256 suite's jobs too
      expect(everyJob).toBeGreaterThanOrEqual(2);
      expect(
        (await gql(app, JOBS, bearer(await jwks.sign({ sub: 'y', groups: ['admin'] })))).body.data.jobs.totalCount,
      ).toBe(everyJob);
    });
  });

  it('an unreachable JWKS refuses sign-in with UNAUTHENTICATED naming the cause, never a 500', async () => {
    const closed = await startJwksServer();
    await closed.close(); // nothing listens on its port any more
    const app = await startSignInApp(database, authSettings({ jwksUrl: closed.url }));
    try {
      await expectRefused(app, bearer(await closed.sign({ sub: 'erin' })), /signing keys are unavailable/);
    } finally {
      await app.close();
    }
  });
});

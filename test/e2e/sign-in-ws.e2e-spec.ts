import type { Client } from 'graphql-ws';
import { createStandaloneResolveCaller } from '../../src/auth/standalone-caller';
import type { CallerContext, ResolveCaller } from '../../src/job-queue';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import {
  AUDIENCE,
  authSettings,
  HS256_SECRET,
  hs256,
  ISSUER,
  signedWsClient,
  startSignInApp,
} from '../support/sign-in';
import { PROGRESS_SUBSCRIPTION, subscribe } from '../support/subscriptions';
import type { TestApp } from '../support/test-app';

const JOB_UPDATED = `subscription { jobUpdated { id } }`;
const SETTINGS = authSettings({ jwtSecret: HS256_SECRET, issuer: ISSUER, audience: AUDIENCE });

/** Sign-in over graphql-ws: checked once at connection_init, 4403 when refused, the caller kept for the connection. */
describe(`Sign-in over graphql-ws (${databaseLabel})`, () => {
  let database: TestDatabase;
  let app: TestApp;
  const clients: Client[] = [];
  /** Every context the rule was asked about, by transport. */
  const asked: CallerContext['transport'][] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const standalone = createStandaloneResolveCaller(SETTINGS)!;
    const counted: ResolveCaller = (context) => (asked.push(context.transport), standalone(context));
    app = await startSignInApp(database, SETTINGS, { resolveCaller: counted });
  });
  afterAll(async () => {
    await Promise.all(clients.map(async (client) => client.dispose()));
    await app?.close();
    await database?.drop();
  });

  const client = (connectionParams?: Record<string, unknown>, headers?: Record<string, string>) => {
    const created = signedWsClient(app, connectionParams, headers);
    clients.push(created);
    return created;
  };
  /** A cancelled job of `user`, made over HTTP with the user's token: its jobProgress ends at once. */
  async function cancelledJobOf(user: string): Promise<string> {
    const authorization = `Bearer ${await hs256({ sub: user })}`;
    const upload = await app
      .http()
      .post('/files')
      .set({ authorization })
      .attach('file', Buffer.from('text'), 'a.txt')
      .expect(201);
    const cancel = await app
      .http()
      .post('/graphql')
      .set({ authorization })
      .send({ query: `mutation($id: ID!) { cancelJob(id: $id) { status } }`, variables: { id: upload.body.job.id } });
    expect(cancel.body.data.cancelJob.status).toBe('CANCELLED');
    return upload.body.job.id;
  }

  it('closes the socket with 4403 for missing, expired, wrong-audience, wrongly signed and malformed credentials', async () => {
    const refused = [
      client(),
      client({ authorization: `Bearer ${await hs256({ sub: 'alice' }, { expiresIn: -120 })}` }),
      client({ authorization: `Bearer ${await hs256({ sub: 'alice' }, { audience: 'another-api' })}` }),
      client({
        authorization: `Bearer ${await hs256({ sub: 'alice' }, {}, 'another-secret-of-thirty-two-bytes-or-more')}`,
      }),
      client({ authorization: { token: 'not a string' } }),
      client(undefined, { authorization: 'Bearer not-a-token' }),
    ];
    for (const refusedClient of refused) {
      await expect(subscribe(refusedClient, JOB_UPDATED, {}, 'jobUpdated').finished).rejects.toMatchObject({
        code: 4403,
        reason: 'Forbidden',
      });
    }
  });

  it('a valid token (connectionParams or upgrade header) is the caller of every subscription of the connection, checked once', async () => {
    const aliceJob = await cancelledJobOf('alice');
    const bobJob = await cancelledJobOf('bob');
    const aliceToken = await hs256({ sub: 'alice' });
    asked.length = 0;

    const alice = client({ authorization: `Bearer ${aliceToken}` });
    // Held open so that the lazy client keeps one connection for the subscriptions below.
    const held = subscribe(alice, JOB_UPDATED, {}, 'jobUpdated');
    const own = await subscribe(alice, PROGRESS_SUBSCRIPTION, { jobId: aliceJob }, 'jobProgress').finished;
    expect(own).toEqual([expect.objectContaining({ jobId: aliceJob, status: 'CANCELLED' })]);
    // Bob's job is not hers: NOT_FOUND, as for an unknown id.
    const others = subscribe(alice, PROGRESS_SUBSCRIPTION, { jobId: bobJob }, 'jobProgress').finished;
    await expect(others).rejects.toMatchObject({
      errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })],
    });
    expect(asked).toEqual(['ws']); // three subscriptions, one check at connection_init
    held.cancel();

    const viaHeader = client(undefined, { authorization: `Bearer ${aliceToken}` });
    expect(await subscribe(viaHeader, PROGRESS_SUBSCRIPTION, { jobId: aliceJob }, 'jobProgress').finished).toHaveLength(
      1,
    );
    const admin = client({ authorization: await hs256({ sub: 'root', roles: ['admin'] }) }); // "Bearer " is optional here
    expect(await subscribe(admin, PROGRESS_SUBSCRIPTION, { jobId: bobJob }, 'jobProgress').finished).toEqual([
      expect.objectContaining({ jobId: bobJob, status: 'CANCELLED' }),
    ]);
    expect(asked).toEqual(['ws', 'ws', 'ws']);
  });

  it('over HTTP the rule runs once per request, however many fields ask (20 aliases: one check)', async () => {
    const authorization = `Bearer ${await hs256({ sub: 'alice' })}`;
    const aliases = Array.from({ length: 20 }, (_, index) => `a${index}: jobs { totalCount }`).join(' ');
    asked.length = 0;
    const { body } = await app
      .http()
      .post('/graphql')
      .set({ authorization })
      .send({ query: `{ ${aliases} }` });
    expect(Object.keys(body.data)).toHaveLength(20);
    expect(asked).toEqual(['http']);
  });
});

import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type MiddlewareConsumer, Module, type NestModule, UnauthorizedException } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { NextFunction, Request, Response } from 'express';
import { authenticateConnections, JobQueueModule, type ResolveCaller } from '../../src/job-queue';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { signedWsClient } from '../support/sign-in';
import { PROGRESS_SUBSCRIPTION, subscribe } from '../support/subscriptions';
import { launchTestApp, type TestApp } from '../support/test-app';

/** The host's own identity: users behind session ids, as a Passport strategy would find them. */
interface HostUser {
  id: string;
  roles: string[];
}
const SESSIONS = new Map<string, HostUser>([
  ['s-alice', { id: 'alice', roles: ['staff'] }],
  ['s-ops', { id: 'ops', roles: ['staff', 'ops'] }],
]);

/** Like passport.authenticate(): puts the signed-in user on `req.user`, or leaves it unset. */
function sessionMiddleware(request: Request & { user?: HostUser }, _response: Response, next: NextFunction): void {
  request.user = SESSIONS.get(String(request.headers['x-session']));
  next();
}

/** The host's rule: HTTP reads the user its middleware set; graphql-ws the session sent in connectionParams. */
const resolveCaller: ResolveCaller = (context) => {
  const user =
    context.transport === 'http'
      ? (context.request as Request & { user?: HostUser }).user
      : SESSIONS.get(String(context.connectionParams?.session));
  if (!user) throw new UnauthorizedException('Sign in first');
  return { userId: user.id, isAdmin: user.roles.includes('ops') };
};

describe(`A host app brings its own identity through resolveCaller (${databaseLabel})`, () => {
  let database: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    @Module({
      imports: [
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          autoSchemaFile: true,
          subscriptions: { 'graphql-ws': { onConnect: authenticateConnections(resolveCaller) } },
        }),
        JobQueueModule.forRoot({
          databaseUrl: database.url,
          storageDir: `${database.dir}/files`,
          workersEnabled: false,
          resolveCaller,
        }),
      ],
    })
    class HostAppModule implements NestModule {
      configure(consumer: MiddlewareConsumer): void {
        consumer.apply(sessionMiddleware).forRoutes('graphql', 'files');
      }
    }
    app = await launchTestApp(HostAppModule);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const upload = (session?: string) =>
    app
      .http()
      .post('/files')
      .set(session ? { 'x-session': session } : {})
      .field('enqueue', 'true')
      .attach('file', Buffer.from('x'), 'a.txt');
  const jobs = async (session: string) =>
    (
      await app
        .http()
        .post('/graphql')
        .set({ 'x-session': session })
        .send({ query: `{ jobs { totalCount edges { node { userId } } } }` })
    ).body;

  it("the middleware's user owns what it uploads and sees its own jobs; the host's admins see all; no user is 401", async () => {
    expect((await upload('s-alice').expect(201)).body.job.userId).toBe('alice');
    expect((await upload('s-ops').expect(201)).body.job.userId).toBe('ops');
    expect(await jobs('s-alice')).toEqual({
      data: { jobs: { totalCount: 1, edges: [{ node: { userId: 'alice' } }] } },
    });
    expect((await jobs('s-ops')).data.jobs.totalCount).toBe(2);

    // The host's UnauthorizedException is the queue's UNAUTHENTICATED: 401 on REST, extensions.code over GraphQL.
    expect((await upload().expect(401)).body).toMatchObject({ code: 'UNAUTHENTICATED', message: 'Sign in first' });
    expect((await jobs('s-unknown')).errors[0]).toMatchObject({
      message: 'Sign in first',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('over graphql-ws the same rule reads connectionParams; an unknown session closes with 4403', async () => {
    const cancelledJobOf = async (session: string) => {
      const { body } = await upload(session).expect(201);
      await app
        .http()
        .post('/graphql')
        .set({ 'x-session': session })
        .send({ query: `mutation { cancelJob(id: "${body.job.id}") { id } }` });
      return body.job.id as string;
    };
    const [aliceJob, opsJob] = [await cancelledJobOf('s-alice'), await cancelledJobOf('s-ops')];
    const alice = signedWsClient(app, { session: 's-alice' });
    const stranger = signedWsClient(app, { session: 's-unknown' });
    try {
      const own = await subscribe(alice, PROGRESS_SUBSCRIPTION, { jobId: aliceJob }, 'jobProgress').finished;
      expect(own).toEqual([expect.objectContaining({ jobId: aliceJob, status: 'CANCELLED' })]);
      // Alice is no ops user: the ops job is not hers to follow.
      await expect(
        subscribe(alice, PROGRESS_SUBSCRIPTION, { jobId: opsJob }, 'jobProgress').finished,
      ).rejects.toMatchObject({
        errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })],
      });
      await expect(
        subscribe(stranger, PROGRESS_SUBSCRIPTION, { jobId: aliceJob }, 'jobProgress').finished,
      ).rejects.toMatchObject({ code: 4403 });
    } finally {
      await Promise.all([alice.dispose(), stranger.dispose()]);
    }
  });
});

import type { Client } from 'graphql-ws';
import type { RateLimitSettings } from '../../src/http-security/rate-limits';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { AUDIENCE, authSettings, HS256_SECRET, hs256, ISSUER, signedWsClient } from '../support/sign-in';
import { startTestApp, type TestApp } from '../support/test-app';

const RECOVER = 'mutation { recoverStalledJobs }';
const JOBS = '{ jobs { totalCount } }';
const LIMITS: RateLimitSettings = { mutationsPerMinute: 3, uploadsPerMinute: 2 };

/** Per-caller rate limits (RATE_LIMIT_*): 429 / RATE_LIMITED past the budget, every other caller and query still served. */
describe(`Rate limits on mutations and uploads (${databaseLabel})`, () => {
  let database: TestDatabase;
  let app: TestApp;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startTestApp(database, {
      app: { auth: authSettings({ jwtSecret: HS256_SECRET, issuer: ISSUER, audience: AUDIENCE }), rateLimits: LIMITS },
      queue: { workersEnabled: false },
    });
    for (const user of ['ops-1', 'ops-2', 'ops-3']) tokens[user] = await hs256({ sub: user, roles: ['admin'] });
    for (const user of ['alice', 'bob']) tokens[user] = await hs256({ sub: user });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const as = (user: string) => ({ authorization: `Bearer ${tokens[user]}` });
  const gql = (user: string, query: string) => app.http().post('/graphql').set(as(user)).send({ query });
  const upload = (headers: Record<string, string>, name: string) =>
    app
      .http()
      .post('/files')
      .set(headers)
      .field('enqueue', 'true')
      .attach('file', Buffer.from(`text of ${name}`), name);

  it('answers a caller past its mutation budget RATE_LIMITED with Retry-After; its queries and other callers are still served', async () => {
    for (let served = 0; served < LIMITS.mutationsPerMinute; served++)
      expect((await gql('ops-1', RECOVER)).body).toEqual({ data: { recoverStalledJobs: 0 } });
    const refused = await gql('ops-1', RECOVER);
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors).toHaveLength(1);
    expect(refused.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(refused.body.errors[0].message).toMatch(
      /^Too many mutations: at most 3 a minute per caller \(RATE_LIMIT_MUTATIONS_PER_MINUTE\); retry in \d+ s$/,
    );
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Queries do not count; another caller has a budget of its own.
    expect((await gql('ops-1', JOBS)).body).toEqual({ data: { jobs: { totalCount: 0 } } });
    expect((await gql('ops-2', RECOVER)).body).toEqual({ data: { recoverStalledJobs: 0 } });
  });

  it('counts each mutation field (aliases included) and the same budget over graphql-ws', async () => {
    const aliased = await gql(
      'ops-3',
      'mutation { a: recoverStalledJobs b: recoverStalledJobs c: recoverStalledJobs d: recoverStalledJobs }',
    );
    // a, b and c ran; d was refused, and since the field is non-null the whole data is null.
    expect(aliased.body.data).toBeNull();
    expect(
      aliased.body.errors.map((error: { path: string[]; extensions: { code: string } }) => [
        error.path[0],
        error.extensions.code,
      ]),
    ).toEqual([['d', 'RATE_LIMITED']]);
    const client = signedWsClient(app, { authorization: `Bearer ${tokens['ops-3']}` });
    try {
      const overWs = await firstResult(client, RECOVER);
      expect(overWs.data).toBeNull();
      expect(overWs.errors?.map((error) => error.extensions?.code)).toEqual(['RATE_LIMITED']);
      expect(await firstResult(client, JOBS)).toEqual({ data: { jobs: { totalCount: 0 } } });
    } finally {
      await client.dispose();
    }
  });

  it('answers an upload past the budget 429 RATE_LIMITED before storing it; the caller’s queries and other callers’ uploads are served', async () => {
    for (const name of ['one.txt', 'two.txt']) expect((await upload(as('alice'), name)).status).toBe(201);
    const refused = await upload(as('alice'), 'three.txt');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: expect.stringMatching(
        /^Too many uploads: at most 2 a minute per caller \(RATE_LIMIT_UPLOADS_PER_MINUTE\); retry in \d+ s$/,
      ),
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await app.prisma.client.storedFile.count({ where: { userId: 'alice' } })).toBe(2);
    expect((await gql('alice', JOBS)).body).toEqual({ data: { jobs: { totalCount: 2 } } });
    expect((await upload(as('bob'), 'bob.txt')).status).toBe(201);
  });

  it('counts refused credentials by client address: a key-guessing loop is limited too, signed-in callers are not', async () => {
    const guess = () => app.http().post('/graphql').set({ 'x-api-key': 'guessed-key' }).send({ query: RECOVER });
    for (let tried = 0; tried < LIMITS.mutationsPerMinute; tried++)
      expect((await guess()).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await guess()).body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect((await gql('ops-2', RECOVER)).body).toEqual({ data: { recoverStalledJobs: 0 } });
  });
});

interface WsResult {
  data?: Record<string, unknown> | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

/** The first result of one operation over graphql-ws. */
function firstResult(client: Client, query: string): Promise<WsResult> {
  return new Promise((resolve, reject) => {
    client.subscribe(
      { query },
      { next: (value) => resolve(value as WsResult), error: reject, complete: () => undefined },
    );
  });
}

import { Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import type { AppConfig } from '../../src/config/environment';
import { limitJsonBodies } from '../../src/http-security/body-limit';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';

/** `jobs { edges { node { attempts { number } } } }`: the deepest real query, 5 levels. */
const DEEP = '{ jobs { edges { node { attempts { number } } } } }';
const withDirectives = (count: number) => `{ jobs { ${Array(count).fill('totalCount @skip(if: false)').join(' ')} } }`;
const JOBS = '{ jobs { totalCount } }';
/** A GraphQL POST body of about `bytes` bytes (the padding is an unused variable). */
const bodyOf = (bytes: number) => JSON.stringify({ query: JOBS, variables: { pad: 'x'.repeat(bytes - 60) } });

/** The standalone AppModule created as main.ts does: GRAPHQL_MAX_BODY_BYTES applied before init. */
async function startApp(
  database: TestDatabase,
  config: Partial<AppConfig>,
  maxJsonBodyBytes: number,
): Promise<NestExpressApplication> {
  @Module({
    imports: [
      AppModule.forRoot({
        port: 0,
        production: false,
        ...config,
        jobQueue: {
          databaseUrl: database.url,
          storageDir: `${database.dir}/files`,
          workersEnabled: false,
          shutdownTimeoutMs: 5_000,
        },
      }),
    ],
  })
  class SizeLimitedHostModule {}
  const moduleRef = await Test.createTestingModule({ imports: [SizeLimitedHostModule] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error', 'warn'] });
  limitJsonBodies(app, maxJsonBodyBytes);
  await app.listen(0, '127.0.0.1');
  return app;
}

/** GRAPHQL_MAX_DEPTH, GRAPHQL_MAX_DIRECTIVES and GRAPHQL_MAX_BODY_BYTES: each refusal, then the next request served. */
describe(`Depth, directive and body-size limits (${databaseLabel})`, () => {
  let database: TestDatabase;
  let app: NestExpressApplication;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startApp(database, { graphqlLimits: { maxDepth: 4, maxDirectives: 5 } }, 2_048);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const post = (body: string) =>
    request(app.getHttpServer()).post('/graphql').set('content-type', 'application/json').send(body);
  const query = (text: string) => post(JSON.stringify({ query: text }));
  const servesNext = async () => expect((await query(JOBS)).body).toEqual({ data: { jobs: { totalCount: 0 } } });

  it('refuses a query deeper than GRAPHQL_MAX_DEPTH before it runs, then serves the next request', async () => {
    const refused = await query(DEEP);
    expect(refused.status).toBe(400);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        message: 'Query depth limit of 4 exceeded, found 5. (GRAPHQL_MAX_DEPTH)',
        extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX', limit: 'GRAPHQL_MAX_DEPTH' }),
      }),
    ]);
    await servesNext();
  });

  it('refuses more directives than GRAPHQL_MAX_DIRECTIVES and serves as many as allowed', async () => {
    const refused = await query(withDirectives(6));
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        message: 'Directives limit of 5 exceeded, found 6. (GRAPHQL_MAX_DIRECTIVES)',
        extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX', limit: 'GRAPHQL_MAX_DIRECTIVES' }),
      }),
    ]);
    expect((await query(withDirectives(5))).body).toEqual({ data: { jobs: { totalCount: 0 } } });
  });

  it('answers a JSON body over GRAPHQL_MAX_BODY_BYTES 413 PAYLOAD_TOO_LARGE (JSON, no stack), then serves the next request', async () => {
    const refused = await post(bodyOf(3_000));
    expect(refused.status).toBe(413);
    expect(refused.body).toEqual({
      statusCode: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: 'The JSON body is larger than 2048 bytes (GRAPHQL_MAX_BODY_BYTES)',
    });
    expect((await post(bodyOf(2_000))).body).toEqual({ data: { jobs: { totalCount: 0 } } });
  });

  it('raises the cap above Nest’s default 100 kB when set higher', async () => {
    const roomy = await startApp(database, {}, 1024 ** 2);
    try {
      const response = await request(roomy.getHttpServer())
        .post('/graphql')
        .set('content-type', 'application/json')
        .send(bodyOf(200 * 1024));
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ data: { jobs: { totalCount: 0 } } });
    } finally {
      await roomy.close();
    }
  });
});

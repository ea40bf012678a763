import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { Client } from 'pg';
import { AppModule } from '../../src/app.module';
import { ENQUEUE_JOB, JOB, JOBS, upload, uploadFileId } from '../support/api-helpers';
import {
  createTestDatabase,
  databaseLabel,
  describePostgres,
  POSTGRES_URL,
  type TestDatabase,
} from '../support/database';
import { launchTestApp, type TestApp, waitFor } from '../support/test-app';

/** The app as `npm start` runs it: no NODE_ENV (Apollo then defaults to stack traces in every error). */
async function startWithoutNodeEnv(database: TestDatabase, graphqlDebug?: boolean): Promise<TestApp> {
  @Module({
    imports: [
      AppModule.forRoot({
        port: 0,
        production: false,
        graphqlDebug,
        jobQueue: { databaseUrl: database.url, storageDir: `${database.dir}/files`, workersEnabled: false },
      }),
    ],
  })
  class NoNodeEnvHostModule {}
  const nodeEnv = process.env.NODE_ENV;
  delete process.env.NODE_ENV;
  try {
    return await launchTestApp(NoNodeEnvHostModule);
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

/** One error of each origin: the exception filter (NOT_FOUND), GraphQL validation, and a variable of the wrong type. */
const ERRORS_OF_EACH_ORIGIN: [string, string, Record<string, unknown>][] = [
  ['the exception filter', JOB, { id: 'no-such-job' }],
  ['GraphQL validation', '{ job(id: "x") { noSuchField } }', {}],
  ['variable coercion', JOBS, { first: 'many' }],
];

describe(`what a client sees of errors (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
    await database.drop();
  });

  it('no stack trace and no server path in any GraphQL error by default, even without NODE_ENV', async () => {
    service = await startWithoutNodeEnv(database);
    for (const [origin, query, variables] of ERRORS_OF_EACH_ORIGIN) {
      const { body } = await service.http().post('/graphql').send({ query, variables });
      expect({ origin, errors: body.errors.length }).toEqual({ origin, errors: 1 });
      expect({ origin, stacktrace: body.errors[0].extensions?.stacktrace }).toEqual({ origin, stacktrace: undefined });
      expect(JSON.stringify(body)).not.toMatch(/\/src\/|\/node_modules\/|\.ts:\d+|at [\w.]+ \(/);
    }
  });

  it('control: GRAPHQL_DEBUG=true (graphqlDebug) brings the stack traces back', async () => {
    service = await startWithoutNodeEnv(database, true);
    for (const [origin, query, variables] of ERRORS_OF_EACH_ORIGIN) {
      const { body } = await service.http().post('/graphql').send({ query, variables });
      expect({ origin, stacktrace: Array.isArray(body.errors[0].extensions?.stacktrace) }).toEqual({
        origin,
        stacktrace: true,
      });
    }
  });
});

/**
 * An outage of the test database alone, on the shared server: new connections refused (ALLOW_CONNECTIONS false)
 * and every open one terminated; then connections allowed again.
 */
async function databaseOutage(database: TestDatabase) {
  const name = new URL(database.url).pathname.slice(1);
  const admin = new Client({ connectionString: POSTGRES_URL! });
  await admin.connect();
  return {
    begin: async () => {
      await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );
    },
    end: async () => {
      await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
      await admin.end();
    },
  };
}

describePostgres('while the database cannot be reached (PostgreSQL)', () => {
  let database: TestDatabase;
  let service: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startWithoutNodeEnv(database);
  });
  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('GraphQL answers SERVICE_UNAVAILABLE and REST 503 during the outage, and normally after it', async () => {
    const fileId = await uploadFileId(service);
    const outage = await databaseOutage(database);
    await outage.begin();
    try {
      const operations: [string, Record<string, unknown>][] = [
        [JOB, { id: 'any-job' }],
        [JOBS, { first: 1 }],
        [ENQUEUE_JOB, { input: { fileId } }],
      ];
      for (const [query, variables] of operations) {
        const { errors } = await service.gql(query, variables);
        expect(errors?.map((error) => [error.extensions?.code, error.message])).toEqual([
          ['SERVICE_UNAVAILABLE', 'The database cannot be reached; try again shortly'],
        ]);
      }
      const response = await upload(service);
      expect([response.status, response.body]).toEqual([
        503,
        { statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: 'The database cannot be reached; try again shortly' },
      ]);
    } finally {
      await outage.end();
    }
    await waitFor(async () => (await service.gql(JOBS, { first: 1 })).errors === undefined);
    expect((await service.gql(JOB, { id: 'any-job' })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await service.gql(ENQUEUE_JOB, { input: { fileId } })).data.enqueueJob.status).toBe('PENDING');
    await upload(service).expect(201);
  });
});

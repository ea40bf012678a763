import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type Type } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { type FileProcessorHandler, JobQueueModule } from '../../src/job-queue';
import { loadMigrations } from '../../src/job-queue/database/migrator';
import { ReadinessService } from '../../src/job-queue/monitoring/http/readiness.service';
import { upload } from '../support/api-helpers';
import { createTestDatabase, databaseLabel, type TestDatabase, usingPostgres } from '../support/database';
import { insertJob } from '../support/fixtures';
import { heldProcessor } from '../support/queue-helpers';
import { launchTestApp, startTestApp, type TestApp, useTestApp, waitFor } from '../support/test-app';

const BAD_UPLOADS = 200;
const QUEUE_HEALTH = `{ queueHealth { status issues failedCount inputFailedCount systemFailedCount successRate systemSuccessRate } }`;
const NEWEST_MIGRATION = loadMigrations(usingPostgres ? 'postgresql' : 'sqlite').at(-1)!.name;

/** The failing check of a 503 body is one line: "<check>: <reason>", with no stack, path or driver text. */
function expectOneLineReason(body: Record<string, unknown>, check: string): void {
  expect(body.status).toBe('error');
  expect(typeof body.error).toBe('string');
  const reason = body.error as string;
  expect(reason.startsWith(`${check}: `)).toBe(true);
  expect(reason).not.toMatch(/\n|prisma|invocation|\.js|\.ts|at /i);
}

describe(`Health endpoints for orchestrators (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({}, (started) => ({ service } = started));

  it('answers liveness and readiness with 200 and say what they checked', async () => {
    expect((await service.http().get('/health/live').expect(200)).body).toEqual({ status: 'ok' });
    const ready = { status: 'ok', database: usingPostgres ? 'postgresql' : 'sqlite', migration: NEWEST_MIGRATION };
    expect((await service.http().get('/health/ready').expect(200)).body).toEqual(ready);
    expect((await service.http().get('/health').expect(200)).body).toEqual(ready);
  });

  it(`stays ready after ${BAD_UPLOADS} uploads of "{" as .json, while queueHealth reports them as input failures`, async () => {
    for (let start = 0; start < BAD_UPLOADS; start += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          upload(service, { name: `broken-${start + index}.json`, content: '{' }).expect(201),
        ),
      );
    }
    const db = service.prisma.client;
    await waitFor(
      async () => (await db.processingJob.count({ where: { status: 'FAILED' } })) === BAD_UPLOADS,
      60_000,
      100,
    );
    expect(await db.processingJob.count({ where: { errorCode: 'MALFORMED_FILE' } })).toBe(BAD_UPLOADS);

    await service.http().get('/health').expect(200);
    await service.http().get('/health/ready').expect(200);
    const queue = await service.http().get('/health/queue').expect(200);
    expect(queue.body).toMatchObject({
      status: 'ok',
      queue: { status: 'HEALTHY', inputFailedCount: BAD_UPLOADS, systemFailedCount: 0 },
    });
    const { data } = await service.gql(QUEUE_HEALTH);
    expect(data.queueHealth).toEqual({
      status: 'HEALTHY',
      issues: [],
      failedCount: BAD_UPLOADS,
      inputFailedCount: BAD_UPLOADS,
      systemFailedCount: 0,
      successRate: 0,
      systemSuccessRate: null,
    });

    // Control: three system failures do turn the queue UNHEALTHY (/health/queue 503), and readiness still does not care.
    for (let index = 0; index < 3; index++)
      await insertJob(db, { status: 'FAILED', errorCode: 'INTERNAL_ERROR', completedAgoMs: 1000 });
    const unhealthy = await service.http().get('/health/queue').expect(503);
    expect(unhealthy.body.error).toBe(
      `queue: UNHEALTHY (Success rate 0.0 % is below 70.0 % (3 system failures; ${BAD_UPLOADS} input failures not counted, 0.0 % with them))`,
    );
    expect(unhealthy.body.queue).toMatchObject({
      status: 'UNHEALTHY',
      inputFailedCount: BAD_UPLOADS,
      systemFailedCount: 3,
    });
    expectOneLineReason(unhealthy.body, 'queue');
    await service.http().get('/health/ready').expect(200);
    await service.http().get('/health').expect(200);
    await db.processingJob.deleteMany({ where: { errorCode: 'INTERNAL_ERROR' } });
  }, 120_000);

  it('is not ready while the newest migration the code knows is not recorded', async () => {
    const db = service.prisma.client;
    const [recorded] = await db.$queryRawUnsafe<{ id: string }[]>(
      `SELECT id FROM "_prisma_migrations" WHERE migration_name = '${NEWEST_MIGRATION}'`,
    );
    await db.$executeRawUnsafe(
      `UPDATE "_prisma_migrations" SET migration_name = 'renamed_by_test' WHERE id = '${recorded.id}'`,
    );
    try {
      const response = await service.http().get('/health/ready').expect(503);
      expect(response.body).toEqual({ status: 'error', error: `migrations: ${NEWEST_MIGRATION} is not applied` });
      await service.http().get('/health').expect(503);
      await service.http().get('/health/live').expect(200);
    } finally {
      await db.$executeRawUnsafe(
        `UPDATE "_prisma_migrations" SET migration_name = '${NEWEST_MIGRATION}' WHERE id = '${recorded.id}'`,
      );
    }
    await service.http().get('/health/ready').expect(200);
  });
});

/**
 * A host that keeps HTTP open while the workers drain: Apollo stops in onApplicationShutdown, not onModuleDestroy
 * (where its drain plugin closes the listener). Only for this test: with a graphql-ws subscriber connected, such a
 * host's close() waits for the socket forever (tried: still open after 15 s), since the server closes before Apollo.
 */
function hostKeepingHttpThroughDrain(database: TestDatabase, processor: Type<FileProcessorHandler>): Type<unknown> {
  @Module({
    imports: [
      GraphQLModule.forRoot<ApolloDriverConfig>({
        driver: ApolloDriver,
        autoSchemaFile: true,
        stopOnApplicationShutdown: true,
      }),
      JobQueueModule.forRoot({
        databaseUrl: database.url,
        storageDir: `${database.dir}/files`,
        shutdownTimeoutMs: 60_000,
      }),
    ],
    providers: [processor],
  })
  class Host {}
  return Host;
}

/**
 * A service launched for one describe, whose job is held until its test releases it; the test starts the close
 * (`suite.closing`), and whatever it left open is released and closed afterwards.
 */
function useServiceHoldingItsJob(
  launch: (database: TestDatabase, processor: Type<FileProcessorHandler>) => Promise<TestApp>,
) {
  const suite = {
    held: heldProcessor(),
    service: undefined as unknown as TestApp,
    closing: undefined as Promise<void> | undefined,
  };
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    suite.service = await launch(database, suite.held.processor);
  });
  afterAll(async () => {
    suite.held.release();
    await (suite.closing ?? suite.service?.close());
    await database?.drop();
  });
  return suite;
}

describe(`Readiness during shutdown (${databaseLabel})`, () => {
  const suite = useServiceHoldingItsJob((database, processor) =>
    launchTestApp(hostKeepingHttpThroughDrain(database, processor)),
  );

  it('answers 503 as soon as shutdown starts, while running jobs still drain', async () => {
    const { service, held } = suite;
    const job = (await upload(service, { name: 'job.held', content: 'x' }).expect(201)).body.job;
    await waitFor(() => held.started.size > 0);
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);

    const closing = (suite.closing = service.close());
    const down = await waitFor(async () => {
      const response = await fetch(`${service.url}/health/ready`);
      return response.status === 503 ? ((await response.json()) as Record<string, unknown>) : null;
    });
    expect(down).toEqual({ status: 'error', error: 'shutdown: the instance is shutting down' });
    // The worker is still draining: the job has not finished, and liveness still answers.
    expect((await service.prisma.client.processingJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe(
      'PROCESSING',
    );
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
    held.release();
    await closing;
  });
});

describe(`Readiness during shutdown of the standalone server (${databaseLabel})`, () => {
  const suite = useServiceHoldingItsJob((database, processor) =>
    startTestApp(database, { providers: [processor], queue: { shutdownTimeoutMs: 60_000 } }),
  );

  // Apollo's drain plugin closes this server's listener in GraphQLModule.onModuleDestroy, so probes are refused during
  // the drain; readiness has flipped before that (checked in-process here).
  it('is not ready from the start of shutdown until the workers have drained', async () => {
    const { service, held } = suite;
    const readiness = service.app.get(ReadinessService);
    await upload(service, { name: 'job.held', content: 'x' }).expect(201);
    await waitFor(() => held.started.size > 0);
    expect(await readiness.check()).toMatchObject({ ready: true });
    const closing = (suite.closing = service.close());
    await waitFor(async () => {
      const result = await readiness.check();
      return !result.ready && result.reason === 'shutdown: the instance is shutting down';
    });
    expect(await service.prisma.client.processingJob.count({ where: { status: 'PROCESSING' } })).toBe(1);
    held.release();
    await closing;
  });
});

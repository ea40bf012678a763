import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Injectable, Module, type Provider, type Type } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { Test } from '@nestjs/testing';
import {
  FileProcessor,
  type FileProcessorHandler,
  JobQueueModule,
  type JobQueueModuleOptions,
  type ProcessingContext,
  type ProcessingOutput,
} from '../../src/job-queue';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { PROGRESS_SUBSCRIPTION, subscribe } from '../support/subscriptions';
import { launchTestApp, type TestApp, waitFor } from '../support/test-app';

/** The host's own processor: counts the words of a .wordcount file. */
@Injectable()
@FileProcessor('wordcount')
class WordCountProcessor implements FileProcessorHandler {
  async process({ openStream, progress }: ProcessingContext): Promise<ProcessingOutput> {
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of openStream() as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      progress.bytes((bytes += chunk.length));
    }
    const words = Buffer.concat(chunks).toString('utf8').split(/\s+/).filter(Boolean).length;
    return { metadata: { words } };
  }
}

@Injectable()
@FileProcessor('dup', 'first')
class FirstDupProcessor implements FileProcessorHandler {
  async process(): Promise<ProcessingOutput> {
    return {};
  }
}

@Injectable()
@FileProcessor('second', '.DUP')
class SecondDupProcessor implements FileProcessorHandler {
  async process(): Promise<ProcessingOutput> {
    return {};
  }
}

/** A host application of its own: GraphQLModule (Apollo, graphql-ws), the queue module and its providers. */
function hostModule(queue: DynamicModule, providers: Provider[]): Type<unknown> {
  @Module({
    imports: [
      GraphQLModule.forRoot<ApolloDriverConfig>({
        driver: ApolloDriver,
        autoSchemaFile: true,
        subscriptions: { 'graphql-ws': true },
      }),
      queue,
    ],
    providers,
  })
  class HostAppModule {}
  return HostAppModule;
}

const JOB = `query($id: ID!) { job(id: $id) { id status errorCode errorRecoverable retryCount metadata attempts { number outcome errorCode } } }`;

describe(`A host app importing JobQueueModule (${databaseLabel})`, () => {
  const databases: TestDatabase[] = [];
  const apps: TestApp[] = [];

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(databases.splice(0).map((database) => database.drop()));
  });

  /** Queue options for a fresh database of the test's own. */
  async function queueOptions(): Promise<JobQueueModuleOptions> {
    const database = await createTestDatabase();
    databases.push(database);
    return { databaseUrl: database.url, storageDir: `${database.dir}/files`, pollIntervalMs: 200, shutdownTimeoutMs: 5_000 };
  }

  async function startHost(queue: DynamicModule, providers: Provider[] = []): Promise<TestApp> {
    const app = await launchTestApp(hostModule(queue, providers));
    apps.push(app);
    return app;
  }

  /** Uploads through POST /files and waits for the job to reach a terminal status. */
  async function uploadAndSettle(app: TestApp, name: string, content: string) {
    const upload = await app.http().post('/files').attach('file', Buffer.from(content), name).expect(201);
    return waitFor(async () => {
      const { data } = await app.gql(JOB, { id: upload.body.job.id });
      return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(data?.job?.status) ? data.job : null;
    });
  }

  it('runs its own @FileProcessor provider with options from forRootAsync', async () => {
    const options = await queueOptions();
    const app = await startHost(JobQueueModule.forRootAsync({ useFactory: async () => options }), [WordCountProcessor]);
    const job = await uploadAndSettle(app, 'speech.wordcount', 'four score  and\nseven years ago\n');
    expect(job).toMatchObject({ status: 'COMPLETED', errorCode: null, metadata: { words: 6 }, attempts: [{ number: 1, outcome: 'COMPLETED' }] });

    // The host's graphql-ws endpoint serves the queue's subscriptions: a finished job's progress ends at once.
    const updates = await subscribe(app.wsClient(), PROGRESS_SUBSCRIPTION, { jobId: job.id }, 'jobProgress').finished;
    expect(updates).toEqual([expect.objectContaining({ jobId: job.id, status: 'COMPLETED', progress: 100 })]);
  });

  it('with builtInProcessors: false, fails txt jobs at once: UNSUPPORTED_FORMAT, not recoverable, one attempt', async () => {
    const app = await startHost(JobQueueModule.forRoot({ ...(await queueOptions()), builtInProcessors: false }), [WordCountProcessor]);
    const job = await uploadAndSettle(app, 'notes.txt', 'plain text nobody reads');
    expect(job).toMatchObject({
      status: 'FAILED',
      errorCode: 'UNSUPPORTED_FORMAT',
      errorRecoverable: false,
      retryCount: 0,
      attempts: [{ number: 1, outcome: 'FAILED', errorCode: 'UNSUPPORTED_FORMAT' }],
    });
  });

  it('refuses to start when two providers declare the same format, naming it and both classes', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [hostModule(JobQueueModule.forRoot(await queueOptions()), [FirstDupProcessor, SecondDupProcessor])],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      const startup = app.init();
      await expect(startup).rejects.toThrow(/Format "dup" has two processors: (FirstDupProcessor and SecondDupProcessor|SecondDupProcessor and FirstDupProcessor)/);
    } finally {
      await app.close().catch(() => undefined);
    }
  });
});

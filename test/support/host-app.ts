import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { JobQueueModuleOptions } from '../../src/job-queue';
import { uploadUntilSettled } from './api-helpers';
import { createTestDatabase, type TestDatabase } from './database';
import { launchTestApp, type TestApp } from './test-app';

/** A host application of its own: GraphQLModule (Apollo, graphql-ws), the queue module and its providers. */
export function hostModule(queue: DynamicModule, providers: Provider[]): Type<unknown> {
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

const JOB = `query($id: ID!) {
  job(id: $id) { id status errorCode errorRecoverable retryCount metadata extractedText attempts { number outcome errorCode } }
}`;

/** Host apps started by one describe, each on a fresh database of its own; all closed after each test. */
export function useHostApps() {
  const databases: TestDatabase[] = [];
  const apps: TestApp[] = [];

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(databases.splice(0).map((database) => database.drop()));
  });

  return {
    /** Queue options for a fresh database of the test's own. */
    async queueOptions(): Promise<JobQueueModuleOptions> {
      const database = await createTestDatabase();
      databases.push(database);
      return {
        databaseUrl: database.url,
        storageDir: `${database.dir}/files`,
        pollIntervalMs: 200,
        shutdownTimeoutMs: 5_000,
      };
    },

    async startHost(queue: DynamicModule, providers: Provider[] = []): Promise<TestApp> {
      const app = await launchTestApp(hostModule(queue, providers));
      apps.push(app);
      return app;
    },

    /** Uploads through POST /files and waits for the job to reach a terminal status. */
    uploadAndSettle: (app: TestApp, name: string, content: string | Buffer) =>
      uploadUntilSettled(app, { name, content }, JOB, 15_000),
  };
}

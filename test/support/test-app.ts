import type { INestApplication, ModuleMetadata, Type } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { AppModule } from '../../src/app.module';
import type { JobQueueModuleOptions } from '../../src/job-queue';
import { PrismaService } from '../../src/job-queue/database/prisma.service';
import { createTestDatabase, type TestDatabase } from './database';
import type { AppConfig } from '../../src/config/environment';

export interface TestAppOptions {
  /** Settings of the standalone app beside the queue (auth, rate limits, graphql-ws caps, GraphQL limits, ...). */
  app?: Partial<Omit<AppConfig, 'jobQueue'>>;
  /** Overrides of the queue's options; databaseUrl and storageDir come from the test database. */
  queue?: JobQueueModuleOptions;
  /** Extra providers (a test's own @FileProcessor classes) and imports of the host module. */
  providers?: ModuleMetadata['providers'];
  imports?: ModuleMetadata['imports'];
}

export interface TestApp {
  app: INestApplication;
  url: string;
  prisma: PrismaService;
  http(): ReturnType<typeof request>;
  /** POST /graphql; resolves with the parsed body ({ data, errors }). */
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<{ data: T; errors?: GraphQLErrorBody[] }>;
  wsClient(): Client;
  close(): Promise<void>;
}

export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

/** Boots the real service module (GraphQL + JobQueueModule) on a random port against the test database. */
export async function startTestApp(database: TestDatabase, options: TestAppOptions = {}): Promise<TestApp> {
  @Module({
    imports: [
      AppModule.forRoot({
        port: 0,
        production: false,
        ...options.app,
        jobQueue: {
          databaseUrl: database.url,
          storageDir: `${database.dir}/files`,
          pollIntervalMs: 500,
          shutdownTimeoutMs: 5_000,
          ...options.queue,
        },
      }),
      ...(options.imports ?? []),
    ],
    providers: options.providers ?? [],
  })
  class TestHostModule {}

  return launchTestApp(TestHostModule);
}

/** Boots any root module (a host app of the queue module) on a random port, with the same helpers. */
export async function launchTestApp(rootModule: Type<unknown>): Promise<TestApp> {
  const moduleRef = await Test.createTestingModule({ imports: [rootModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const clients: Client[] = [];
  return {
    app,
    url,
    prisma: app.get(PrismaService),
    http: () => request(app.getHttpServer()),
    gql: async (query, variables) => {
      const response = await request(app.getHttpServer()).post('/graphql').send({ query, variables });
      return response.body;
    },
    wsClient: () => {
      const client = createClient({
        url: `ws://127.0.0.1:${address.port}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
      });
      clients.push(client);
      return client;
    },
    close: async () => {
      await Promise.all(clients.map(async (client) => client.dispose()));
      await app.close();
    },
  };
}

/** Polls `probe` until it returns a truthy value or the time is up. */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface StartedSuite {
  service: TestApp;
  database: TestDatabase;
}

/**
 * Gives the surrounding describe() a fresh database and a running app: registers the beforeAll that starts them
 * (handing them to `onStart`) and the afterAll that closes and drops them.
 */
export function useTestApp(options: TestAppOptions, onStart: (started: StartedSuite) => void): void {
  let started: Partial<StartedSuite> = {};
  beforeAll(async () => {
    const database = await createTestDatabase();
    started = { database };
    started.service = await startTestApp(database, options);
    onStart(started as StartedSuite);
  });
  afterAll(async () => {
    await started.service?.close();
    await started.database?.drop();
  });
}

import { Module, type INestApplication, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Readable } from 'node:stream';
import { AppModule } from '../../src/app.module';
import {
  ANONYMOUS_ADMIN,
  FileStorageService,
  JobPriority,
  JobsService,
  WorkerPoolService,
  type JobQueueModuleOptions,
} from '../../src/job-queue';
import { PrismaService } from '../../src/job-queue/database/prisma.service';
import { NoopProcessor } from './noop-processor';

export { NoopProcessor, noopStarts } from './noop-processor';

export interface OurService {
  app: INestApplication;
  port: number;
  jobs: JobsService;
  prisma: PrismaService;
  close(): Promise<void>;
}

/** The real service (GraphQL, workers, the no-op processor and any `processors` given) in this process, on a random port. */
export async function startOurService(queue: JobQueueModuleOptions, processors: Provider[] = []): Promise<OurService> {
  @Module({
    imports: [
      AppModule.forRoot({ port: 0, production: true, jobQueue: { analyzer: null, httpEndpoints: true, ...queue } }),
    ],
    providers: [NoopProcessor, ...processors],
  })
  class BenchModule {}
  const app = await NestFactory.create(BenchModule, { logger: ['error'] });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, port, jobs: app.get(JobsService), prisma: app.get(PrismaService), close: () => app.close() };
}

/** Stores one small file for the no-op jobs to point at. */
export async function storeNoopFile(service: OurService): Promise<string> {
  const file = await service.app.get(FileStorageService).store(Readable.from(['noop']), 'bench.noop', ANONYMOUS_ADMIN);
  return file.id;
}

/** Enqueues `count` no-op jobs through the bulk path, in batches of 1,000 (the API's limit per call). */
export async function enqueueNoopJobs(service: OurService, fileId: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const size = Math.min(1000, count - start);
    await service.jobs.enqueueMany(
      Array.from({ length: size }, () => ({ fileId, priority: JobPriority.NORMAL })),
      ANONYMOUS_ADMIN,
    );
  }
}

/** Starts the worker pool of a service booted with `workersEnabled: false`: a burn-down's clock starts after boot. */
export async function startWorkers(service: OurService): Promise<void> {
  await service.app.get(WorkerPoolService).startClaiming();
}

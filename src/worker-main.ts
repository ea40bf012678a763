import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { loadWorkerConfig } from './config/worker-environment';
import { startTracing } from './observability/tracing';
import { WorkerAppModule } from './worker-app.module';

/**
 * `npm run start:worker`: a process that only runs jobs, beside servers that serve the API (`WORKERS_ENABLED=false`,
 * or with workers of their own), on the same DATABASE_URL and STORAGE_DIR. SIGTERM lets running jobs finish within
 * SHUTDOWN_TIMEOUT_MS and puts the rest back, as a server does.
 */
async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadWorkerConfig();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  const tracing = startTracing();
  const app = await NestFactory.createApplicationContext(WorkerAppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  app.enableShutdownHooks();
  if (tracing) Logger.log('Exporting traces over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT)', 'Bootstrap');
}

void bootstrap();
